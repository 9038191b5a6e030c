/**
 * Calls `fn` with the latest value at most once per `ms`: the first call goes out at once, later
 * ones within the window are merged into one trailing call. Keeps fast producers from flooding a
 * window (the renderer then batches again per animation frame).
 */
export function coalesce<T>(fn: (value: T) => void, ms: number): { push: (value: T) => void; flush: () => void; cancel: () => void } {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  let pending: { value: T } | undefined;
  const fire = () => {
    timer = undefined;
    last = Date.now();
    if (pending) {
      const { value } = pending;
      pending = undefined;
      fn(value);
    }
  };
  return {
    push(value) {
      pending = { value };
      if (timer) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    },
    /** Sends what is pending now (a complete batch should not wait for the window). */
    flush() {
      if (timer) clearTimeout(timer);
      if (pending) fire();
      else timer = undefined;
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
    },
  };
}
