/**
 * `useResource(path)`: a JSON answer of the admin API that refreshes itself — when spans arrive
 * (throttled to one reload a second) and, if asked, on a timer — and on demand (`reload`).
 */
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type ApiError, getJson } from "./api";
import { onSpans } from "./live";

/** What a page renders from. */
export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: ApiError | Error | undefined;
  readonly loading: boolean;
  reload(): Promise<void>;
}

/** Options of {@link useResource}. */
export interface ResourceOptions {
  /** Reload when new spans are recorded. Default true. */
  readonly live?: boolean;
  /** Also reload every this many ms. Default never. */
  readonly pollMs?: number;
}

const THROTTLE_MS = 1000;

/** A JSON answer of the admin API at `path` (null: none), kept fresh. */
export function useResource<T>(path: string | null, options: ResourceOptions = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const current = useRef(path);
  current.current = path;

  const reload = useCallback(async () => {
    if (path === null) return;
    try {
      const answer = await getJson<T>(path);
      if (current.current !== path) return;
      setData(answer);
      setError(undefined);
    } catch (thrown) {
      if (current.current !== path) return;
      setError(thrown instanceof Error ? thrown : new Error(String(thrown)));
    } finally {
      if (current.current === path) setLoading(false);
    }
  }, [path]);

  useEffect(() => {
    setLoading(true);
    void reload();
    const stops: (() => void)[] = [];
    if (options.live !== false) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let last = 0;
      stops.push(
        onSpans(() => {
          if (timer !== undefined) return;
          const wait = Math.max(0, last + THROTTLE_MS - Date.now());
          timer = setTimeout(() => {
            timer = undefined;
            last = Date.now();
            void reload();
          }, wait);
        }),
      );
      stops.push(() => clearTimeout(timer));
    }
    if (options.pollMs !== undefined) {
      const poll = setInterval(() => void reload(), options.pollMs);
      stops.push(() => clearInterval(poll));
    }
    return () => {
      for (const stop of stops) stop();
    };
  }, [reload, options.live, options.pollMs]);

  return { data, error, loading, reload };
}
