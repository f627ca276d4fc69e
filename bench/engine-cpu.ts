// The CPU the PostgreSQL server spends on a piece of work, for "the engines' CPU" beside a baseline's.
import { readdirSync, readFileSync } from 'node:fs';

/** /proc/<pid>/stat's fields after the command name: state is [0], ppid [1], utime [11] … cstime [14]. */
function stat(pid: string): { comm: string; fields: string[] } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    return { comm: text.slice(text.indexOf('(') + 1, close), fields: text.slice(close + 2).split(' ') };
  } catch {
    return null; // ended meanwhile
  }
}

/**
 * CPU seconds the PostgreSQL server has used: each of its live processes' own, plus what the
 * postmaster collected from the backends that ended (a connection's backend ends with it, and its
 * time moves to its parent's cutime and cstime). Clock ticks of 1/100 s.
 */
export function postgresCpuSeconds(): number {
  const procs = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => ({ pid, s: stat(pid) })).filter((p) => p.s?.comm === 'postgres');
  const pids = new Set(procs.map((p) => p.pid));
  let ticks = 0;
  for (const { s } of procs) {
    const f = s!.fields;
    ticks += Number(f[11]) + Number(f[12]);
    if (!pids.has(f[1]!)) ticks += Number(f[13]) + Number(f[14]); // the postmaster
  }
  return ticks / 100;
}

/** `work`'s result and the PostgreSQL server's CPU seconds meanwhile. */
export async function withPostgresCpu<T extends object>(work: () => Promise<T>): Promise<T & { engineCpu: number }> {
  const before = postgresCpuSeconds();
  const out = await work();
  return { ...out, engineCpu: postgresCpuSeconds() - before };
}
