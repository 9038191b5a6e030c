import { useCallback, useEffect, useRef, useState } from 'react';
import { bridge } from '../bridge';
import type { ChannelName, ConnectionState, FrameOf, ParamsOf, RequestOf, ResponseOf, TopicName } from '../../../shared/contract/index.js';
import type { AppError } from '../../../shared/errors.js';

export interface QueryState<T> {
  data: T | undefined;
  error: AppError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Calls a channel once (and on reload); the request is compared by value, not identity. */
export function useQuery<C extends ChannelName>(channel: C, request: RequestOf<C>): QueryState<ResponseOf<C>> {
  const [state, setState] = useState<{ data?: ResponseOf<C>; error?: AppError; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(request);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    void bridge.invoke(channel, JSON.parse(key) as RequestOf<C>).then((result) => {
      if (!live) return;
      setState(result.ok ? { data: result.value, loading: false } : { error: result.error, loading: false });
    });
    return () => {
      live = false;
    };
  }, [channel, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/**
 * The latest frame of a topic. Frames are coalesced to at most one render per animation frame,
 * so a fast stream never renders faster than the screen refreshes.
 */
export function useStream<T extends TopicName>(
  topic: T,
  params: ParamsOf<T>,
): { frame: FrameOf<T> | undefined; error: AppError | undefined } {
  const [frame, setFrame] = useState<FrameOf<T>>();
  const [error, setError] = useState<AppError>();
  const latest = useRef<FrameOf<T> | undefined>(undefined);
  const scheduled = useRef(0);
  const key = JSON.stringify(params);
  useEffect(() => {
    const stop = bridge.subscribe(
      topic,
      JSON.parse(key) as ParamsOf<T>,
      (f) => {
        latest.current = f;
        if (scheduled.current) return;
        scheduled.current = requestAnimationFrame(() => {
          scheduled.current = 0;
          setFrame(latest.current);
        });
      },
      setError,
    );
    return () => {
      stop();
      if (scheduled.current) cancelAnimationFrame(scheduled.current);
      scheduled.current = 0;
    };
  }, [topic, key]);
  return { frame, error };
}

export function useConnection(): { state: ConnectionState; detail: string | undefined } {
  const [value, setValue] = useState<{ state: ConnectionState; detail: string | undefined }>({ state: 'connecting', detail: undefined });
  useEffect(() => bridge.onConnectionChange((state, detail) => setValue({ state, detail })), []);
  return value;
}
