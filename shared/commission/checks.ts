import { compareVersions, type HardwareProfile } from './profile.js';

export type Verdict = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  id: string;
  title: string;
  verdict: Verdict;
  expected: string;
  evidence: string;
}

export interface GpuFacts {
  index: number;
  uuid: string;
  serial: string;
  name: string;
  memoryMiB: number | null;
  driver: string;
  pcieGenMax: number | null;
  pcieWidthMax: number | null;
  eccMode: string;
  persistence: string;
  tempC: number | null;
  powerW: number | null;
  eccUncorrected: number | null;
}

export interface CommissionFacts {
  hostname: string;
  gpus: GpuFacts[];
  gpuError: string | undefined;
  cuda: string | undefined;
  runtime: string;
  gpuContainer: string;
  diskFreeKb: number;
  diskMounted: string;
  memTotalKb: number;
  clockMs: number;
}

const num = (s: string | undefined) => {
  const n = Number((s ?? '').trim());
  return s === undefined || s.trim() === '' || s.trim().startsWith('[') || !Number.isFinite(n) ? null : n;
};

/** agents/commission.sh output → facts (unknown lines ignored; missing values stay missing). */
export function parseCommissionFacts(text: string): CommissionFacts {
  const f: CommissionFacts = {
    hostname: '',
    gpus: [],
    gpuError: undefined,
    cuda: undefined,
    runtime: 'none',
    gpuContainer: 'skipped',
    diskFreeKb: 0,
    diskMounted: 'no',
    memTotalKb: 0,
    clockMs: NaN,
  };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const v = line
      .slice(eq + 1)
      .trim()
      .slice(0, 500);
    if (k === 'gpu') {
      const c = v.split('|');
      const index = num(c[0]);
      if (index === null) continue;
      f.gpus.push({
        index,
        uuid: c[1] ?? '',
        serial: c[2] ?? '',
        name: c[3] ?? '',
        memoryMiB: num(c[4]),
        driver: c[5] ?? '',
        pcieGenMax: num(c[6]),
        pcieWidthMax: num(c[7]),
        eccMode: c[8] ?? '',
        persistence: c[9] ?? '',
        tempC: num(c[10]),
        powerW: num(c[11]),
        eccUncorrected: num(c[12]),
      });
    } else if (k === 'gpu_error') f.gpuError = v;
    else if (k === 'cuda') f.cuda = v;
    else if (k === 'runtime') f.runtime = v;
    else if (k === 'gpu_container') f.gpuContainer = v;
    else if (k === 'disk_free_kb') f.diskFreeKb = num(v) ?? 0;
    else if (k === 'disk_mounted') f.diskMounted = v;
    else if (k === 'mem_total_kb') f.memTotalKb = num(v) ?? 0;
    else if (k === 'clock_ms') f.clockMs = num(v) ?? NaN;
    else if (k === 'hostname') f.hostname = v;
  }
  return f;
}

/**
 * Every check of the profile against the facts, each with what was expected and what was found.
 * `sentAt`/`receivedAt` bracket the probe on the console's clock: the node's clock is skewed when
 * its reading falls outside that window by more than the profile allows.
 */
export function evaluate(p: HardwareProfile, f: CommissionFacts, sentAt: number, receivedAt: number): CheckResult[] {
  const out: CheckResult[] = [];
  const add = (id: string, title: string, ok: boolean | 'warn', expected: string, evidence: string) =>
    out.push({ id, title, verdict: ok === 'warn' ? 'warn' : ok ? 'pass' : 'fail', expected, evidence });
  const gpus = f.gpus;
  if (f.gpuError) add('gpu.driver', 'NVIDIA driver answers', false, 'nvidia-smi works', f.gpuError);
  const matching = gpus.filter((g) => g.name.toLowerCase().includes(p.gpu.model.toLowerCase()));
  add(
    'gpu.count',
    'GPU count and model',
    matching.length === p.gpu.count && gpus.length === p.gpu.count,
    `${p.gpu.count} × ${p.gpu.model}`,
    gpus.length ? `${gpus.length} GPU(s): ${[...new Set(gpus.map((g) => g.name))].join(', ')}` : 'no GPU found',
  );
  if (p.gpu.minMemoryMiB > 0) {
    const low = gpus.filter((g) => (g.memoryMiB ?? 0) < p.gpu.minMemoryMiB);
    add(
      'gpu.memory',
      'GPU memory',
      gpus.length > 0 && low.length === 0,
      `≥ ${p.gpu.minMemoryMiB} MiB each`,
      gpus.map((g) => `GPU ${g.index}: ${g.memoryMiB ?? '?'} MiB`).join(', ') || 'no GPU',
    );
  }
  const driver = gpus[0]?.driver;
  if (p.driverMin) {
    add(
      'driver.version',
      'Driver version',
      driver !== undefined && driver !== '' && compareVersions(driver, p.driverMin) >= 0,
      `≥ ${p.driverMin}`,
      driver || 'unknown',
    );
  }
  if (p.cudaMin)
    add(
      'cuda.version',
      'CUDA version',
      f.cuda !== undefined && compareVersions(f.cuda, p.cudaMin) >= 0,
      `≥ ${p.cudaMin}`,
      f.cuda ?? 'unknown',
    );
  if (p.eccRequired) {
    const off = gpus.filter((g) => g.eccMode !== 'Enabled');
    const errors = gpus.filter((g) => (g.eccUncorrected ?? 0) > 0);
    add(
      'gpu.ecc',
      'ECC enabled, no uncorrectable errors',
      gpus.length > 0 && off.length === 0 && errors.length === 0,
      'ECC Enabled on every GPU, 0 uncorrectable',
      gpus.map((g) => `GPU ${g.index}: ECC ${g.eccMode || '?'}, ${g.eccUncorrected ?? '?'} uncorrectable`).join('; ') || 'no GPU',
    );
  }
  if (p.persistenceMode) {
    const off = gpus.filter((g) => g.persistence !== 'Enabled');
    add(
      'gpu.persistence',
      'Persistence mode',
      gpus.length > 0 && off.length === 0 ? true : 'warn',
      'Enabled (avoids driver reload latency)',
      gpus.map((g) => `GPU ${g.index}: ${g.persistence || '?'}`).join(', ') || 'no GPU',
    );
  }
  if (p.pcie) {
    const bad = gpus.filter((g) => g.pcieGenMax !== p.pcie!.gen || g.pcieWidthMax !== p.pcie!.width);
    add(
      'gpu.pcie',
      'PCIe link',
      gpus.length > 0 && bad.length === 0,
      `Gen${p.pcie.gen} x${p.pcie.width}`,
      gpus.map((g) => `GPU ${g.index}: Gen${g.pcieGenMax ?? '?'} x${g.pcieWidthMax ?? '?'}`).join(', ') || 'no GPU',
    );
  }
  const hot = gpus.filter((g) => (g.tempC ?? 0) > p.idle.maxTempC);
  add(
    'gpu.idle-temp',
    'Idle temperature',
    hot.length === 0 ? true : 'warn',
    `≤ ${p.idle.maxTempC} °C`,
    gpus.map((g) => `GPU ${g.index}: ${g.tempC ?? '?'} °C`).join(', ') || 'no GPU',
  );
  if (p.idle.maxPowerW !== undefined) {
    const high = gpus.filter((g) => (g.powerW ?? 0) > p.idle.maxPowerW!);
    add(
      'gpu.idle-power',
      'Idle power',
      high.length === 0 ? true : 'warn',
      `≤ ${p.idle.maxPowerW} W`,
      gpus.map((g) => `GPU ${g.index}: ${g.powerW ?? '?'} W`).join(', ') || 'no GPU',
    );
  }
  if (p.containerRuntime) {
    const ok = f.runtime !== 'none' && (f.gpuContainer === 'ok' || f.gpuContainer === 'skipped');
    add(
      'runtime.gpu',
      'Container runtime with GPU access',
      f.runtime === 'none' ? false : f.gpuContainer === 'skipped' ? 'warn' : ok,
      'docker or podman; a container sees the GPU',
      `${f.runtime}; GPU container: ${f.gpuContainer}`,
    );
  }
  if (p.modelVolume) {
    const gib = f.diskFreeKb / 1024 / 1024;
    add(
      'disk.model-volume',
      'Model volume',
      f.diskMounted === 'yes' && gib >= p.modelVolume.minFreeGiB
        ? true
        : f.diskMounted === 'missing' || gib < p.modelVolume.minFreeGiB
          ? false
          : 'warn',
      `${p.modelVolume.path} mounted, ≥ ${p.modelVolume.minFreeGiB} GiB free`,
      `${f.diskMounted === 'missing' ? 'missing' : f.diskMounted === 'yes' ? 'mounted' : 'not a separate mount'}, ${gib.toFixed(1)} GiB free`,
    );
  }
  if (p.minMemoryGiB !== undefined) {
    const gib = f.memTotalKb / 1024 / 1024;
    add('host.memory', 'System memory', gib >= p.minMemoryGiB, `≥ ${p.minMemoryGiB} GiB`, `${gib.toFixed(1)} GiB`);
  }
  const skew = Number.isNaN(f.clockMs)
    ? NaN
    : f.clockMs < sentAt
      ? sentAt - f.clockMs
      : f.clockMs > receivedAt
        ? f.clockMs - receivedAt
        : 0;
  add(
    'clock.skew',
    'Clock in sync with the console',
    Number.isFinite(skew) && skew <= p.maxClockSkewMs,
    `within ${p.maxClockSkewMs} ms`,
    Number.isFinite(skew) ? `${Math.round(skew)} ms off (round trip ${receivedAt - sentAt} ms)` : 'no clock reading',
  );
  return out;
}

export function overall(results: readonly CheckResult[], overrides: ReadonlySet<string> = new Set()): Verdict {
  const effective = results.map((r) => (overrides.has(r.id) && r.verdict === 'fail' ? 'warn' : r.verdict));
  return effective.includes('fail') ? 'fail' : effective.includes('warn') ? 'warn' : 'pass';
}
