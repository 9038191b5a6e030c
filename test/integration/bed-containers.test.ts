import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedState } from '../testbed/bed.js';
import { ensureBed, ssh } from './helpers/bed.js';

describe('containers on the nodes (podman as docker)', () => {
  let bed: BedState;
  beforeAll(async () => {
    bed = await ensureBed();
  }, 180_000);
  afterAll(() => {
    for (const node of bed.nodes.slice(4, 6)) ssh(bed, node, 'docker rm -f -t 0 oip oip-never >/dev/null 2>&1; true');
  });

  const get = async (url: string, init?: RequestInit) => {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
  };

  it('runs the test image through the docker shim and serves OIP on the mapped port', async () => {
    const node = bed.nodes[4]!;
    const run = ssh(
      bed,
      node,
      `docker run -d --name oip -p 18000:8000 -p 18002:8002 -e MODEL_NAME=chest-xray -e LATENCY_MS=30 ${bed.image}`,
      'edge',
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    const base = `http://${node.address}:18000`;
    await expect
      .poll(async () => (await get(`${base}/v2/health/ready`).catch(() => ({ status: 0 }))).status, { timeout: 15_000 })
      .toBe(200);
    const ready = await get(`${base}/v2/health/ready`);
    expect(ready).toMatchObject({ status: 200, body: '', type: 'text/plain' });
    const meta = JSON.parse((await get(`${base}/v2/models/chest-xray`)).body) as { name: string; versions: string[] };
    expect(meta).toMatchObject({ name: 'chest-xray', versions: ['1'] });
    const infer = await get(`${base}/v2/models/chest-xray/infer`, {
      method: 'POST',
      body: JSON.stringify({ id: '42', inputs: [{ name: 'INPUT0', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] }),
    });
    expect(infer.status).toBe(200);
    expect(JSON.parse(infer.body)).toMatchObject({ id: '42', model_name: 'chest-xray', outputs: [{ name: 'OUTPUT0', shape: [2, 2] }] });
    const metrics = await get(`http://${node.address}:18002/metrics`);
    expect(metrics.body).toContain('# TYPE nv_inference_request_success counter');
    expect(metrics.body).toMatch(/^nv_inference_request_success\{model="chest-xray",version="1"\} 1$/m);
    expect(metrics.body).toMatch(/^nv_inference_count\{model="chest-xray",version="1"\} 2$/m);
  });

  it('shows a node only its own containers', () => {
    const other = ssh(bed, bed.nodes[5]!, "docker ps --format '{{.Names}}'");
    expect(other.status).toBe(0);
    expect(other.stdout).not.toContain('oip');
    const own = ssh(bed, bed.nodes[4]!, "docker ps --format '{{.Names}}'");
    expect(own.stdout.trim()).toBe('oip');
  });

  it('injects faults: an unknown model is 404, a never-ready server answers 400 to ready checks', async () => {
    const node = bed.nodes[5]!;
    const run = ssh(bed, node, `docker run -d --name oip-never -p 18100:8000 -e NEVER_READY=1 ${bed.image}`);
    expect(run.status, run.stderr).toBe(0);
    const base = `http://${node.address}:18100`;
    await expect.poll(async () => (await get(`${base}/v2/health/live`).catch(() => ({ status: 0 }))).status, { timeout: 15_000 }).toBe(200);
    expect((await get(`${base}/v2/health/ready`)).status).toBe(400);
    const missing = await get(`${base}/v2/models/brain-ct`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({ error: "Request for unknown model: 'brain-ct' is not found" });
    await get(`${base}/admin/fault`, { method: 'POST', body: JSON.stringify({ ready: true }) });
    expect((await get(`${base}/v2/health/ready`)).status).toBe(200);
  });
});
