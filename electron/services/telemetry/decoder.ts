import { AgentFrame } from '../../../shared/telemetry.js';

/** Stateless between lines (no streaming), so one serves every decoder. */
const LINE_TEXT = new TextDecoder('utf-8', { fatal: false });

export interface DecoderStats {
  frames: number;
  oversized: number;
  notJson: number;
  wrongShape: number;
}

/**
 * Turns the agent's byte stream into frames. Hostile or broken output never grows memory or throws:
 * a line longer than `maxLineBytes` is skipped up to its end without being kept, and lines that are
 * not JSON or not a known frame are counted and dropped.
 */
export class FrameDecoder {
  readonly stats: DecoderStats = { frames: 0, oversized: 0, notJson: 0, wrongShape: 0 };
  private parts: Buffer[] = [];
  private size = 0;
  private skipping = false;

  constructor(
    private readonly onFrame: (frame: AgentFrame) => void,
    private readonly maxLineBytes = 64 * 1024,
  ) {}

  get rejected(): number {
    return this.stats.oversized + this.stats.notJson + this.stats.wrongShape;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      this.take(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  }

  private take(piece: Buffer): void {
    if (this.skipping || piece.length === 0) return;
    if (this.size + piece.length > this.maxLineBytes) {
      this.skipping = true;
      this.parts = [];
      this.size = 0;
      this.stats.oversized++;
      return;
    }
    this.parts.push(piece);
    this.size += piece.length;
  }

  private endLine(): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    if (this.size === 0) return;
    // One part is the usual line: no copy. Invalid UTF-8 becomes U+FFFD (the JSON check decides).
    const text = LINE_TEXT.decode(this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size));
    this.parts = [];
    this.size = 0;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.stats.notJson++;
      return;
    }
    const parsed = AgentFrame.safeParse(value);
    if (!parsed.success) {
      this.stats.wrongShape++;
      return;
    }
    this.stats.frames++;
    this.onFrame(parsed.data);
  }
}
