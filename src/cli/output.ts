import Table from 'cli-table3';

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

/** A one-line progress bar, redrawn in place on a terminal, printed as lines elsewhere. */
export function progress(label: string, done: number, total: number, extra = ''): void {
  const width = 30;
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const bar = `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
  const line = `${label} ${bar} ${done}/${total} ${extra}`.trimEnd();
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else console.log(line);
}
