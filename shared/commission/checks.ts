import { cellNumber as num } from '../nvidia-smi-cells.js';
import { compareVersions, type HardwareProfile } from './profile.js';
import { clockEventReasons } from '../throttle.js';
import { sectionsFor, type SectionId } from './sections.js';
import { fhirChecks, parseFhirFacts, type FhirFacts } from './fhir-checks.js';
import { base64Bytes } from '../clinical/dicom-part10.js';
import { dicomwebChecks, parseDicomwebFacts, recordChecks, type AddCheck, type DicomwebFacts } from './dicomweb-checks.js';

// The sections are their own module; callers keep importing them from here.
export * from './sections.js';

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

export interface LoadSample {
  index: number;
  tempC: number | null;
  utilPct: number | null;
  powerW: number | null;
  /** clocks_throttle_reasons.active, or null when the driver does not say. */
  throttle: number | null;
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
  clockSync: string;
  loadContainer: string | undefined;
  loadSamples: LoadSample[];
  loadErrors: string[];
  dns: { name: string; ok: boolean; detail: string }[];
  hub: { http: string; connectMs: number | null; error: string }[];
  dicom: { ok: boolean; detail: string } | undefined;
  dicomweb: DicomwebFacts | undefined;
  fhir: FhirFacts;
}

/** agents/commission.sh output (any sections, concatenated) → facts; unknown lines ignored, missing values stay missing. */
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
    clockSync: 'unknown',
    loadContainer: undefined,
    loadSamples: [],
    loadErrors: [],
    dns: [],
    hub: [],
    dicom: undefined,
    dicomweb: parseDicomwebFacts(text),
    fhir: parseFhirFacts(text, decodeBase64),
  };
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq);
    const raw = line.slice(eq + 1);
    // Every value is cut at 500 characters, per cell: one huge cell does not push the others out.
    const v = raw.trim().slice(0, 500);
    const c = raw.split('|').map((x) => x.trim().slice(0, 500));
    if (k === 'gpu') {
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
    } else if (k === 'load') {
      const index = num(c[0]);
      if (index === null) continue;
      const t = (c[4] ?? '').trim();
      f.loadSamples.push({
        index,
        tempC: num(c[1]),
        utilPct: num(c[2]),
        powerW: num(c[3]),
        throttle: /^0x[0-9a-f]{1,16}$/i.test(t) ? Number.parseInt(t.slice(2), 16) : null,
      });
    } else if (k === 'load_error') f.loadErrors.push(v);
    else if (k === 'load_container') f.loadContainer = v;
    else if (k === 'dns') f.dns.push({ name: c[0] ?? '', ok: c[1] === 'ok', detail: c.slice(2).join('|').trim() });
    else if (k === 'hub') {
      const s = num(c[1]);
      f.hub.push({ http: c[0] ?? '000', connectMs: s === null || s <= 0 ? null : s * 1000, error: c.slice(2).join('|').trim() });
    } else if (k === 'dicom') f.dicom = { ok: c[0] === 'ok', detail: c.slice(1).join('|').trim() };
    else if (k === 'gpu_error') f.gpuError = v;
    else if (k === 'cuda') f.cuda = v;
    else if (k === 'runtime') f.runtime = v;
    else if (k === 'gpu_container') f.gpuContainer = v;
    else if (k === 'disk_free_kb') f.diskFreeKb = num(v) ?? 0;
    else if (k === 'disk_mounted') f.diskMounted = v;
    else if (k === 'mem_total_kb') f.memTotalKb = num(v) ?? 0;
    else if (k === 'clock_ms') f.clockMs = num(v) ?? NaN;
    else if (k === 'clock_sync') f.clockSync = v;
    else if (k === 'hostname') f.hostname = v;
  }
  return f;
}

/** Base64 → UTF-8 text without Node's Buffer (this module also runs in the renderer); bad input → ''. */
function decodeBase64(b64: string): string {
  return new TextDecoder().decode(base64Bytes(b64));
}

/** When the section ran, on the console's clock: the node's clock reading must fall between. */
export interface SectionTiming {
  sentAt: number;
  receivedAt: number;
}

type Add = AddCheck;

/** The checks of one section, each with what was expected and what was found. */
export function evaluateSection(section: SectionId, p: HardwareProfile, f: CommissionFacts, timing: SectionTiming): CheckResult[] {
  const out: CheckResult[] = [];
  const add: Add = recordChecks(out);
  switch (section) {
    case 'gpu':
      gpuChecks(p, f, add);
      break;
    case 'runtime':
      add(
        'runtime.gpu',
        'Container runtime with GPU access',
        f.runtime === 'none' ? false : f.gpuContainer === 'skipped' ? 'warn' : f.gpuContainer === 'ok',
        'docker or podman; a container sees the GPU',
        `${f.runtime}; GPU container: ${f.gpuContainer === 'skipped' ? 'not tried (no testImage in the profile)' : f.gpuContainer}`,
      );
      break;
    case 'load':
      loadCheck(p, f, add);
      break;
    case 'host':
      hostChecks(p, f, timing, add);
      break;
    case 'dns': {
      const bad = f.dns.filter((d) => !d.ok);
      add(
        'net.dns',
        'DNS resolves the names the node needs',
        f.dns.length === p.dns!.length && bad.length === 0,
        p.dns!.join(', '),
        f.dns.map((d) => (d.ok ? `${d.name} → ${d.detail}` : `${d.name}: ${d.detail || 'does not resolve'}`)).join('; ') || 'no answer',
      );
      break;
    }
    case 'hub':
      hubCheck(p, f, add);
      break;
    case 'dicom': {
      const d = p.dicom!;
      add(
        'dicom.echo',
        'DICOM C-ECHO to the PACS',
        f.dicom?.ok === true,
        `C-ECHO ${d.callingAE} → ${d.calledAE} at ${d.host}:${d.port} succeeds`,
        f.dicom ? f.dicom.detail || (f.dicom.ok ? 'success' : 'failed') : 'no answer',
      );
      break;
    }
    case 'dicomweb':
      dicomwebChecks(p.dicomweb!.baseUrl, f.dicomweb, add);
      break;
    case 'fhir':
      fhirChecks(p.fhir!, f.fhir, add);
      break;
  }
  return out;
}

/** Every section the profile asks for, judged from one set of facts at once (the service judges section by section). */
export function evaluate(p: HardwareProfile, f: CommissionFacts, sentAt: number, receivedAt: number): CheckResult[] {
  return sectionsFor(p).flatMap((s) => evaluateSection(s, p, f, { sentAt, receivedAt }));
}

function gpuChecks(p: HardwareProfile, f: CommissionFacts, add: Add): void {
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
}

function loadCheck(p: HardwareProfile, f: CommissionFacts, add: Add): void {
  const l = p.load!;
  const expected = `${l.seconds} s under load: ≤ ${l.maxTempC} °C, ≥ ${l.minUtilizationPct} % busy, no thermal or power-brake throttling`;
  if (f.loadContainer?.startsWith('fail')) {
    add('gpu.load', 'GPUs under load', false, expected, `the load container did not start: ${f.loadContainer.replace(/^fail: ?/, '')}`);
    return;
  }
  if (f.loadSamples.length === 0) {
    add('gpu.load', 'GPUs under load', false, expected, f.loadErrors[0] ?? 'no GPU samples during the load');
    return;
  }
  const problems: string[] = [];
  const per: string[] = [];
  for (const index of [...new Set(f.loadSamples.map((s) => s.index))].sort((a, b) => a - b)) {
    const samples = f.loadSamples.filter((s) => s.index === index);
    const maxOf = (k: 'tempC' | 'utilPct' | 'powerW') => Math.max(...samples.map((s) => s[k] ?? -Infinity));
    const maxTemp = maxOf('tempC');
    const maxUtil = maxOf('utilPct');
    const maxPower = maxOf('powerW');
    const reasons = new Set<string>();
    samples.forEach((s) => clockEventReasons(s.throttle, 'hard').forEach((name) => reasons.add(name)));
    const shown = (n: number, unit: string) => (Number.isFinite(n) ? `${Math.round(n)} ${unit}` : '?');
    per.push(
      `GPU ${index}: max ${shown(maxTemp, '°C')}, max ${shown(maxUtil, '%')} busy, max ${shown(maxPower, 'W')}, throttling: ${[...reasons].join(', ') || 'none'}`,
    );
    if (maxTemp > l.maxTempC) problems.push(`GPU ${index} reached ${Math.round(maxTemp)} °C`);
    if (reasons.size) problems.push(`GPU ${index}: ${[...reasons].join(', ')}`);
    if (f.loadContainer === 'started' && !(maxUtil >= l.minUtilizationPct))
      problems.push(`the load did not reach GPU ${index} (max ${shown(maxUtil, '%')} busy)`);
  }
  const evidence = `${[...new Set(f.loadSamples.map((s) => s.index))].length} GPU(s), ${f.loadSamples.length} samples. ${per.join('; ')}`;
  if (problems.length) add('gpu.load', 'GPUs under load', false, expected, `${problems.join('; ')}. ${evidence}`);
  else if (f.loadContainer !== 'started')
    add('gpu.load', 'GPUs under load', 'warn', expected, `no load was applied (the profile has no testImage): watched only. ${evidence}`);
  else add('gpu.load', 'GPUs under load', true, expected, evidence);
}

function hostChecks(p: HardwareProfile, f: CommissionFacts, timing: SectionTiming, add: Add): void {
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
  const { sentAt, receivedAt } = timing;
  const skew = Number.isNaN(f.clockMs)
    ? NaN
    : f.clockMs < sentAt
      ? sentAt - f.clockMs
      : f.clockMs > receivedAt
        ? f.clockMs - receivedAt
        : 0;
  const inSync = Number.isFinite(skew) && skew <= p.maxClockSkewMs;
  const sync = f.clockSync === 'yes' ? 'yes' : f.clockSync === 'no' ? 'no' : 'not reported (no timedatectl or chronyc)';
  add(
    'clock.skew',
    'Clock in sync with the console',
    !inSync ? false : f.clockSync === 'no' ? 'warn' : true,
    `within ${p.maxClockSkewMs} ms, NTP synchronized`,
    Number.isFinite(skew)
      ? `${Math.round(skew)} ms off (round trip ${receivedAt - sentAt} ms); NTP synchronized: ${sync}`
      : 'no clock reading',
  );
}

function hubCheck(p: HardwareProfile, f: CommissionFacts, add: Add): void {
  const h = p.hub!;
  const times = f.hub.map((x) => x.connectMs).filter((x): x is number => x !== null);
  const expected = `${h.url} reachable, TCP connect ≤ ${h.maxLatencyMs} ms`;
  if (times.length === 0) {
    add('net.hub', 'Hub reachable', false, expected, `not reachable: ${f.hub.find((x) => x.error)?.error || 'no answer'}`);
    return;
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const httpErrors = f.hub.filter((x) => x.http === '000' && x.error).map((x) => x.error);
  const evidence = `TCP connect median ${median.toFixed(1)} ms over ${times.length} of ${f.hub.length} tries; HTTP ${[...new Set(f.hub.map((x) => x.http))].join(', ')}${httpErrors.length ? `; ${httpErrors[0]}` : ''}`;
  add('net.hub', 'Hub reachable', median > h.maxLatencyMs ? false : httpErrors.length ? 'warn' : true, expected, evidence);
}

export function overall(results: readonly CheckResult[], overrides: ReadonlySet<string> = new Set()): Verdict {
  const effective = results.map((r) => (overrides.has(r.id) && r.verdict === 'fail' ? 'warn' : r.verdict));
  return effective.includes('fail') ? 'fail' : effective.includes('warn') ? 'warn' : 'pass';
}
