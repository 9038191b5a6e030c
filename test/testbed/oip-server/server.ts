/**
 * A small inference server for the test image: the Open Inference Protocol (KServe v2) REST surface
 * with Triton's conventions (empty-bodied health answers, `{"error": …}` bodies, Triton metric names).
 * Latency, readiness and failures are configurable by env at start and by POST /admin/fault at run
 * time, so tests can make a deployment slow, flaky or never ready. Plain Node, no dependencies: it
 * runs in a 100 MB image holding only the node binary.
 */
import http from 'node:http';

interface Fault {
  latencyMs: number;
  jitterMs: number;
  failRate: number;
  ready: boolean;
}

const env = process.env;
const model = env.MODEL_NAME ?? 'chest-xray';
const version = env.MODEL_VERSION ?? '1';
const port = Number(env.PORT ?? 8000);
const metricsPort = Number(env.METRICS_PORT ?? 8002);
const startedAt = Date.now();
const readyAfterMs = Number(env.READY_AFTER_MS ?? 0);
const fault: Fault = {
  latencyMs: Number(env.LATENCY_MS ?? 20),
  jitterMs: Number(env.LATENCY_JITTER_MS ?? 5),
  failRate: Number(env.FAIL_RATE ?? 0),
  ready: env.NEVER_READY !== '1',
};
const counters = { success: 0, failure: 0, count: 0, exec: 0, requestUs: 0, queueUs: 0, computeUs: 0, pending: 0 };

const isReady = () => fault.ready && Date.now() - startedAt >= readyAfterMs;

function send(res: http.ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    // Triton answers health checks by status code alone: text/plain, Content-Length 0.
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '0' }).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: http.IncomingMessage, limit = 8 * 1024 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) reject(new Error('request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function metrics(): string {
  const labels = `{model="${model}",version="${version}"}`;
  const family = (name: string, help: string, type: string, value: number) =>
    `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name}${labels} ${value}\n`;
  return [
    family('nv_inference_request_success', 'Number of successful inference requests, all batch sizes', 'counter', counters.success),
    family('nv_inference_request_failure', 'Number of failed inference requests, all batch sizes', 'counter', counters.failure),
    family('nv_inference_count', 'Number of inferences performed (does not include cached requests)', 'counter', counters.count),
    family('nv_inference_exec_count', 'Number of model executions performed (does not include cached requests)', 'counter', counters.exec),
    family(
      'nv_inference_request_duration_us',
      'Cumulative inference request duration in microseconds (includes cached requests)',
      'counter',
      counters.requestUs,
    ),
    family(
      'nv_inference_queue_duration_us',
      'Cumulative inference queuing duration in microseconds (includes cached requests)',
      'counter',
      counters.queueUs,
    ),
    family(
      'nv_inference_compute_infer_duration_us',
      'Cumulative compute inference duration in microseconds (does not include cached requests)',
      'counter',
      counters.computeUs,
    ),
    family(
      'nv_inference_pending_request_count',
      'Instantaneous number of pending requests awaiting execution per-model.',
      'gauge',
      counters.pending,
    ),
  ].join('');
}

interface InferInput {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

function parseInfer(text: string): { id?: string; inputs: InferInput[] } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'failed to parse the request JSON buffer';
  }
  const b = body as { id?: unknown; inputs?: unknown };
  if (!Array.isArray(b.inputs) || b.inputs.length === 0) return 'inference request must have at least one input';
  for (const input of b.inputs as Partial<InferInput>[]) {
    if (typeof input.name !== 'string' || !Array.isArray(input.shape) || typeof input.datatype !== 'string' || !Array.isArray(input.data)) {
      return 'each input needs name, shape, datatype and data';
    }
  }
  return { ...(typeof b.id === 'string' ? { id: b.id } : {}), inputs: b.inputs as InferInput[] };
}

async function infer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const t0 = process.hrtime.bigint();
  const parsed = parseInfer(await readBody(req));
  if (typeof parsed === 'string') {
    counters.failure++;
    send(res, 400, { error: parsed });
    return;
  }
  if (!isReady()) {
    counters.failure++;
    send(res, 503, { error: `model '${model}' is not ready` });
    return;
  }
  counters.pending++;
  const wait = Math.max(0, fault.latencyMs + (Math.random() * 2 - 1) * fault.jitterMs);
  await new Promise((r) => setTimeout(r, wait));
  counters.pending--;
  const us = Number((process.hrtime.bigint() - t0) / 1000n);
  counters.requestUs += us;
  counters.computeUs += us;
  if (Math.random() < fault.failRate) {
    counters.failure++;
    send(res, 500, { error: 'injected failure: inference backend error' });
    return;
  }
  counters.success++;
  counters.exec++;
  const first = parsed.inputs[0] as InferInput;
  const batch = typeof first.shape[0] === 'number' && first.shape.length > 1 ? first.shape[0] : 1;
  counters.count += batch;
  const data = Array.from({ length: batch * 2 }, (_, i) => (i % 2 === 0 ? 0.9 : 0.1));
  send(res, 200, {
    model_name: model,
    model_version: version,
    ...(parsed.id ? { id: parsed.id } : {}),
    outputs: [{ name: 'OUTPUT0', shape: [batch, 2], datatype: 'FP32', data }],
  });
}

async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://x');
  const p = url.pathname.replace(/\/+$/, '');
  const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(p);
  if (req.method === 'GET' && p === '/v2/health/live') return send(res, 200);
  if (req.method === 'GET' && p === '/v2/health/ready') return send(res, isReady() ? 200 : 400);
  if (req.method === 'GET' && p === '/v2') return send(res, 200, { name: 'edgeward-oip-test', version: '2.38.0', extensions: [] });
  if (req.method === 'GET' && p === '/metrics') {
    const text = metrics();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    return;
  }
  if (req.method === 'POST' && p === '/admin/fault') {
    try {
      Object.assign(fault, JSON.parse(await readBody(req)) as Partial<Fault>);
      return send(res, 200, fault);
    } catch {
      return send(res, 400, { error: 'body must be JSON like {"latencyMs":50,"failRate":0.1,"ready":false}' });
    }
  }
  if (m) {
    const [, name, ver, action] = m;
    if (decodeURIComponent(name ?? '') !== model || (ver !== undefined && ver !== version)) {
      return send(res, 404, { error: `Request for unknown model: '${decodeURIComponent(name ?? '')}' is not found` });
    }
    if (req.method === 'GET' && action === undefined) {
      return send(res, 200, {
        name: model,
        versions: [version],
        platform: 'edgeward_test',
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 2] }],
      });
    }
    if (req.method === 'GET' && action === '/ready') return send(res, isReady() ? 200 : 400);
    if (req.method === 'POST' && action === '/infer') return infer(req, res);
  }
  send(res, 404, { error: 'Not Found' });
}

const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
  route(req, res).catch((err: unknown) => send(res, 500, { error: String(err) }));
};
http
  .createServer(handler)
  .listen(port, () => console.log(`oip-server: model ${model} v${version} on :${port}, metrics on :${metricsPort}`));
if (metricsPort !== port) http.createServer(handler).listen(metricsPort);
process.on('SIGTERM', () => process.exit(0));
