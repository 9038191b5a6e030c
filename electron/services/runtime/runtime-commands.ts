import type { DeploymentSpec } from '../../../shared/deploy/spec.js';
import { shellCommand, shellQuote } from '../ssh/shell-quote.js';

/**
 * Container runtime command lines, built from validated values and quoted word by word: nothing a
 * spec or a node says is ever pasted into a shell. docker and podman share the CLI surface used
 * here; they differ in how a container gets GPUs.
 */
export type Runtime = 'docker' | 'podman';

export const LABEL_DEPLOYMENT = 'io.edgeward.deployment';
export const LABEL_REVISION = 'io.edgeward.revision';
export const LABEL_SPEC_HASH = 'io.edgeward.spec-hash';

export function containerName(deployment: string, revision: number): string {
  return `ew-${deployment}-r${revision}`;
}

/** GPU flags: docker's `--gpus "device=0,1"` (the quotes are part of the value); podman's CDI devices. */
export function gpuFlags(runtime: Runtime, indices: readonly number[]): string[] {
  if (indices.length === 0) return [];
  if (runtime === 'docker') return ['--gpus', `"device=${indices.join(',')}"`];
  return indices.flatMap((i) => ['--device', `nvidia.com/gpu=${i}`]);
}

export interface RunPlan {
  runtime: Runtime;
  spec: DeploymentSpec;
  revision: number;
  specHash: string;
  /** What runs: the image pinned to its digest (or its local image id). */
  image: string;
  gpuIndices: number[];
  /** Secret env values, resolved on this machine; they travel on stdin, never on a command line. */
  secrets: Record<string, string>;
}

/**
 * `docker run -d …` for a plan. Plain env values go as `-e KEY=VALUE` words (newlines and `$(…)`
 * arrive literally). Secret values are read by the runtime as an env file from its own stdin
 * (`--env-file /dev/stdin`, fed by the SSH channel through a pipe): they are in no process list, no shell history
 * and no file on the node, so a step that is killed, timed out or cut off leaves nothing behind.
 */
export function runCommand(plan: RunPlan): { command: string; stdin: string } {
  const { spec } = plan;
  const words: string[] = [plan.runtime, 'run', '-d', '--name', containerName(spec.name, plan.revision)];
  words.push('--label', `${LABEL_DEPLOYMENT}=${spec.name}`, '--label', `${LABEL_REVISION}=${plan.revision}`);
  words.push('--label', `${LABEL_SPEC_HASH}=${plan.specHash}`);
  words.push('--restart', spec.restart === 'on-failure' ? 'on-failure:5' : spec.restart);
  words.push(...gpuFlags(plan.runtime, plan.gpuIndices));
  for (const p of spec.ports) words.push('-p', `${p.host}:${p.container}`);
  for (const v of spec.volumes) words.push('-v', `${v.host}:${v.container}${v.readOnly ? ':ro' : ''}`);
  // The model version of this revision, read-only: a rollback mounts its own.
  if (spec.model?.digest) words.push('-v', `${modelDir(spec.model.hostPath, spec.model.digest)}:${spec.model.container}:ro`);
  if (spec.resources.cpus !== undefined) words.push('--cpus', String(spec.resources.cpus));
  if (spec.resources.memoryMiB !== undefined) words.push('--memory', `${spec.resources.memoryMiB}m`);
  for (const [key, value] of Object.entries(spec.env)) if (typeof value === 'string') words.push('-e', `${key}=${value}`);
  const secretKeys = Object.keys(plan.secrets);
  if (spec.command) words.push('--entrypoint', spec.command[0] ?? '');
  const tail = [plan.image, ...(spec.command?.slice(1) ?? []), ...spec.args];
  if (secretKeys.length === 0) return { command: `${shellCommand([...words, ...tail])} </dev/null`, stdin: '' };
  for (const [k, v] of Object.entries(plan.secrets)) {
    if (/[\r\n\0]/.test(v)) throw new Error(`secret for ${k} contains a line break, which an env file cannot carry`);
  }
  const stdin = Object.entries(plan.secrets)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  // Through `cat |`: the runtime opens /dev/stdin by path, which fails (ENXIO) when the session's
  // stdin is a socket rather than a pipe, as some sshd builds and Node's child processes make it.
  return { command: `cat | ${shellCommand([...words, '--env-file', '/dev/stdin', ...tail])}`, stdin };
}

export function imageIdCommand(runtime: Runtime, image: string): string {
  return `${shellCommand([runtime, 'image', 'inspect', '--format', '{{.Id}} {{.Architecture}}', image])} 2>/dev/null`;
}

/** A model version's directory on the node: `HOSTPATH/sha256-HEX` (what the container mounts). */
export const modelDir = (hostPath: string, digest: string) => `${hostPath.replace(/\/+$/, '')}/sha256-${digest.slice('sha256:'.length)}`;

/** How a node reaches the image's registry: its CA, whether a login goes on stdin, plain HTTP. */
export interface PullAccess {
  ca?: string;
  /** The login travels on stdin (a podman auth file / docker config), never on a command line. */
  login?: boolean;
  insecure?: boolean;
}

/**
 * The pull, with the registry's CA and login when it needs them. podman takes both per command
 * (`--cert-dir` with the CA written to a private temporary directory, `--authfile` read from the
 * pipe); docker reads the login from a private DOCKER_CONFIG directory for that one command, and
 * trusts CAs only from /etc/docker/certs.d (the node's own setup). The temporary directory goes
 * when the command ends, however it ends.
 */
export function pullCommand(runtime: Runtime, image: string, access: PullAccess = {}): string {
  if (!access.ca && !access.login && !access.insecure) return shellCommand([runtime, 'pull', image]);
  // In memory where the node has it (the docker login is a file for the pull's length), removed
  // on every way out: a cancel's TERM runs the trap too.
  const tmp = `d=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d) || exit 1; trap 'rm -rf "$d"' EXIT; trap 'exit 143' TERM INT HUP; chmod 700 "$d"`;
  const ca = access.ca ? `; printf '%s' ${shellQuote(access.ca)} > "$d/ca.crt"` : '';
  if (runtime === 'podman') {
    const flags = [
      ...(access.insecure ? ['--tls-verify=false'] : []),
      ...(access.ca ? ['--cert-dir', '"$d"'] : []),
      ...(access.login ? ['--authfile', '/dev/stdin'] : []),
    ];
    return `${tmp}${ca}; ${access.login ? 'cat | ' : ''}podman pull ${flags.join(' ')} ${shellQuote(image)}`;
  }
  const login = access.login ? '; cat > "$d/config.json"' : '';
  return `${tmp}${login}; ${access.login ? 'DOCKER_CONFIG="$d" ' : ''}docker pull ${shellQuote(image)}`;
}

/** The login as the pulling runtime reads it: `{"auths": {HOST: {"auth": base64(user:password)}}}`. */
export function loginFile(host: string, username: string, password: string): string {
  return JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } } });
}

export function stopCommand(runtime: Runtime, name: string, timeoutS = 10): string {
  return shellCommand([runtime, 'stop', '-t', String(timeoutS), name]);
}

export function startCommand(runtime: Runtime, name: string): string {
  return shellCommand([runtime, 'start', name]);
}

export function removeCommand(runtime: Runtime, name: string): string {
  return `${shellCommand([runtime, 'rm', '-f', name])} >/dev/null 2>&1; true`;
}

export function logsCommand(runtime: Runtime, name: string, follow: boolean, tail = 200): string {
  return shellCommand([runtime, 'logs', '--tail', String(tail), ...(follow ? ['--follow'] : []), name]);
}

/**
 * Containers of a deployment, one `name|state|revision` line each. From `inspect` rather than
 * `ps --format`: podman 4's `ps` prints "Up 9 seconds ago" where docker prints "running".
 */
export function listCommand(runtime: Runtime, deployment: string): string {
  const ps = shellCommand([runtime, 'ps', '-aq', '--filter', `label=${LABEL_DEPLOYMENT}=${deployment}`]);
  const inspect = shellCommand([
    runtime,
    'inspect',
    '--format',
    `{{.Name}}|{{.State.Status}}|{{index .Config.Labels "${LABEL_REVISION}"}}`,
  ]);
  // Container ids are hex words: left unquoted on purpose, so each is one argument.
  return `ids=$(${ps} 2>/dev/null); [ -z "$ids" ] || ${inspect} $ids 2>/dev/null | sed 's|^/||'`;
}

/**
 * The health gate on the node: Open Inference Protocol ready check on the mapped host port until
 * `threshold` consecutive 200s, or the deadline. Prints one line per check so the console shows
 * progress; exit 0 ready, 1 not ready in time.
 */
/** One readiness check, now: prints "HTTP_CODE SECONDS" (000 when nothing answered). */
export function readyProbeCommand(hostPort: number, path: string, timeoutS = 3): string {
  const url = `http://127.0.0.1:${hostPort}${path}`;
  return `curl -s -o /dev/null -m ${Math.round(timeoutS)} -w '%{http_code} %{time_total}' ${shellQuote(url)} 2>/dev/null || true`;
}

export function healthGateCommand(hostPort: number, path: string, timeoutS: number, threshold: number, intervalS: number): string {
  const url = `http://127.0.0.1:${hostPort}${path}`;
  return [
    `url=${shellQuote(url)}`,
    `end=$(( $(date +%s) + ${Math.round(timeoutS)} ))`,
    'ok=0',
    'while [ "$(date +%s)" -le "$end" ]; do',
    `  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$url" 2>/dev/null || true)`,
    `  if [ "$code" = 200 ]; then ok=$((ok + 1)); else ok=0; fi`,
    `  echo "check $code $ok/${threshold}"`,
    `  [ "$ok" -ge ${threshold} ] && exit 0`,
    `  sleep ${intervalS}`,
    'done',
    'exit 1',
  ].join('\n');
}
