import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** A poll that brings nothing new waits twice as long as the last, up to this many times `everyMs`. */
const MAX_BACKOFF = 8;

/**
 * Loads data when `deps` change, then again every `everyMs` while `keepPolling(data)` holds,
 * backing off while nothing changes (a queued job, a long partition) and back to `everyMs` as soon
 * as something does; returns the latest data, the latest error and a reload function.
 */
export function useData(load, deps, everyMs = 0, keepPolling = () => true) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  // Other deps are another object (another job, another table): what was read for the last one goes.
  const shown = useRef(null);
  const key = JSON.stringify(deps);
  useEffect(() => {
    if (shown.current !== null && shown.current !== key) setState({ data: null, error: null });
    shown.current = key;
    let alive = true;
    let timer;
    let last;
    let delay = everyMs;
    const run = async () => {
      let data = null;
      try {
        data = await load();
        if (alive) setState({ data, error: null });
      } catch (error) {
        if (alive) setState((s) => ({ ...s, error }));
      }
      const seen = JSON.stringify(data);
      delay = seen === last ? Math.min(delay * 2, everyMs * MAX_BACKOFF) : everyMs;
      last = seen;
      if (alive && everyMs && keepPolling(data)) timer = setTimeout(run, delay);
    };
    run();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/** The hash route: path segments and query parameters of `#/a/b?x=1`. */
export function useRoute() {
  const read = () => {
    const [path, q = ''] = location.hash.replace(/^#/, '').split('?');
    return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: Object.fromEntries(new URLSearchParams(q)) };
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const go = (hash) => {
  location.hash = hash;
};
