import type { HeartbeatFrame } from '../../../shared/contract/index.js';

type Listener = (frame: HeartbeatFrame) => void;

/**
 * A once-a-second pulse that proves the whole path (service → router → transport → view) is alive.
 * One timer however many subscribers; it runs only while someone listens.
 */
export class Heartbeat {
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly intervalMs = 1000) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.timer) this.timer = setInterval(() => this.beat(), this.intervalMs);
    // A new subscriber gets a frame at once instead of waiting a full interval.
    listener(this.frame());
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private frame(): HeartbeatFrame {
    const now = Date.now();
    return { seq: this.seq, at: new Date(now).toISOString(), uptimeS: (now - this.startedAt) / 1000 };
  }

  private beat(): void {
    this.seq += 1;
    const frame = this.frame();
    for (const listener of this.listeners) listener(frame);
  }
}
