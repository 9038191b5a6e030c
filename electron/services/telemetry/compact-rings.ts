/**
 * Rings of numbers in typed arrays: a hundred nodes keep an hour of probes and a minute of sparkline
 * values each, so objects per sample (hundreds of bytes) would be most of the app's memory. NaN
 * stands for "no value" (a gap), never 0.
 */
export class NumberRing {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(v: number | null): void {
    this.values[this.next] = v ?? NaN;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** The last `n` values, oldest first, null for gaps. */
  last(n: number): (number | null)[] {
    const k = Math.min(n, this.count);
    const out: (number | null)[] = [];
    for (let i = k; i > 0; i--) {
      const v = this.values[(this.next - i + this.capacity) % this.capacity]!;
      out.push(Number.isNaN(v) ? null : v);
    }
    return out;
  }
}

/** Probes as three parallel arrays: time, latency (NaN when failed or unknown), ok. */
export class ProbeRing {
  private readonly at: Float64Array;
  private readonly ms: Float32Array;
  private readonly ok: Uint8Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.at = new Float64Array(capacity);
    this.ms = new Float32Array(capacity);
    this.ok = new Uint8Array(capacity);
  }

  push(at: number, ok: boolean, latencyMs: number | undefined): void {
    this.at[this.next] = at;
    this.ms[this.next] = latencyMs ?? NaN;
    this.ok[this.next] = ok ? 1 : 0;
    this.next = (this.next + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** Newest first, stopping at the first probe older than `from`. */
  *since(from: number): Generator<{ at: number; ok: boolean; latencyMs: number | undefined }> {
    for (let i = 1; i <= this.count; i++) {
      const j = (this.next - i + this.capacity) % this.capacity;
      const at = this.at[j]!;
      if (at < from) return;
      const ms = this.ms[j]!;
      yield { at, ok: this.ok[j] === 1, latencyMs: Number.isNaN(ms) ? undefined : ms };
    }
  }
}
