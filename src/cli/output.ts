import Table from 'cli-table3';
import logUpdate from 'log-update';

/** Rows as a table (or a sentence) for people, or the raw data as JSON for scripts (`--json`). */
export function print(json: boolean, data: unknown, columns?: [header: string, value: (row: any) => unknown][]): void {
  if (!json && typeof data === 'string') {
    console.log(data);
    return;
  }
  if (json || !columns) {
    console.log(JSON.stringify(data, null, 2));
    return;
  }
  const rows = Array.isArray(data) ? data : [data];
  const table = new Table({ head: columns.map(([h]) => h), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map(([, v]) => String(v(row) ?? '')));
  console.log(table.toString());
}

/** `[####......]  40%`: how much of `total` is done. */
export function bar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  return `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/** A one-line progress bar, redrawn in place on a terminal, printed as lines elsewhere. */
export function progress(label: string, done: number, total: number, extra = ''): void {
  const line = `${label} ${bar(done, total)} ${done}/${total} ${extra}`.trimEnd();
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else console.log(line);
}

/**
 * A block of lines redrawn in place on a terminal (log-update). Elsewhere (a log, a pipe) only its
 * first line is printed, when it changes, and the whole block at the end.
 */
export class LiveView {
  private lastHead = '';

  draw(lines: string[], final = false): void {
    // A terminal of no width (some pseudo-terminals) would get nothing: it is written to as to a log.
    if (process.stdout.isTTY && process.stdout.columns > 0) {
      logUpdate(lines.join('\n'));
      if (final) logUpdate.done();
      return;
    }
    if (final) console.log(lines.join('\n'));
    else if (lines[0] !== this.lastHead) console.log(lines[0]);
    this.lastHead = lines[0] ?? '';
  }
}
