import type { XidEvent } from '../../../shared/telemetry.js';

/**
 * NVIDIA Xid lines from the kernel log, in both stamp styles dmesg prints
 * (`[6781741.548779] NVRM: Xid (PCI:0000:91:00): 79, pid=…` and `[Sun Feb 23 16:24:18 2025] …`).
 */
const XID_LINE = /NVRM: Xid \(PCI:([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2})(?:\.\d)?\): (\d+), (.*)$/;

export function parseXidLine(line: string, at: number, gpuByBus: (bus: string) => number | null): XidEvent | undefined {
  const m = XID_LINE.exec(line);
  if (!m) return undefined;
  const [, pci = '', code = '0', rest = ''] = m;
  // Drop the "pid=…, name=…," prefix: what matters to the reader is the driver's words.
  const text = rest.replace(/^pid=[^,]*, name=[^,]*, /, '').slice(0, 500);
  const bus = pci.split(':')[1]?.toLowerCase() ?? '';
  return { at, code: Number(code), pci, gpu: gpuByBus(bus), text };
}
