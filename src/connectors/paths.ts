import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** `a` is `b` or lies under it (both absolute and normalised). */
export const inside = (a: string, b: string) => a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);

/** The real path of `p`: symlinks of the part that exists resolved, the rest (not there yet) appended. */
export function realPath(p: string): string {
  const rest: string[] = [];
  let at = resolve(p);
  while (!existsSync(at)) {
    const up = dirname(at);
    if (up === at) break;
    rest.unshift(at.slice(up.length).replace(/^[/\\]+/, ''));
    at = up;
  }
  return join(realpathSync(at), ...rest);
}
