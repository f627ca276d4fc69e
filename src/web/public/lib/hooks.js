import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * Loads data when `deps` change, then again every `everyMs` while `keepPolling(data)` holds;
 * returns the latest data, the latest error and a reload function.
 */
export function useData(load, deps, everyMs = 0, keepPolling = () => true) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let alive = true;
    let timer;
    const run = async () => {
      let data = null;
      try {
        data = await load();
        if (alive) setState({ data, error: null });
      } catch (error) {
        if (alive) setState((s) => ({ ...s, error }));
      }
      if (alive && everyMs && keepPolling(data)) timer = setTimeout(run, everyMs);
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
