import Table from 'cli-table3';
import logUpdate from 'log-update';
import prettyBytes from 'pretty-bytes';

const count = new Intl.NumberFormat('en-US');
/** A count for people: 1,234,567. */
export const num = (n: number) => count.format(Math.round(n));
/** A size for people: 1.2 MiB. */
export const bytes = (n: number) => prettyBytes(n, { binary: true, maximumFractionDigits: 1 });

/**
 * What a terminal would take as a command rather than text: C0 controls (ESC, BEL, newline…), DEL,
 * C1 controls (a CSI on its own) and the bidirectional overrides that reorder what is shown.
 */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from the server (names a limited key chose, error messages) as it may reach a terminal:
 * every control character shown as an escape, as the logs show them. Nothing clears the screen,
 * retitles the window or draws a row that is not there.
 */
export const terminalSafe = (text: string) =>
  text.replace(CONTROL, (c) => ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] ?? `\\u{${c.codePointAt(0)!.toString(16)}}`);

/** JSON for a terminal: JSON.stringify escapes C0 controls within strings; DEL, C1 and the overrides are escaped too. */
export const terminalJson = (data: unknown) =>
  JSON.stringify(data, null, 2).replace(/[\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Rows as a table (or a sentence) for people, or the raw data as JSON for scripts (`--json`). */
export function print(json: boolean, data: unknown, columns?: [header: string, value: (row: any) => unknown][]): void {
  if (!json && typeof data === 'string') {
    console.log(terminalSafe(data));
    return;
  }
  if (json || !columns) {
    console.log(terminalJson(data));
    return;
  }
  const rows = Array.isArray(data) ? data : [data];
  if (rows.length === 0) {
    console.log('(none)');
    return;
  }
  const table = new Table({ head: columns.map(([h]) => h), style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map(([, v]) => terminalSafe(String(v(row) ?? ''))));
  console.log(table.toString());
}

/** `[####......]  40%`: how much of `total` is done. */
export function bar(done: number, total: number, width = 30): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  return `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/** A one-line progress bar, redrawn in place on a terminal, printed as lines elsewhere. */
export function progress(label: string, done: number, total: number, extra = ''): void {
  const line = terminalSafe(`${label} ${bar(done, total)} ${done}/${total} ${extra}`.trimEnd());
  if (process.stdout.isTTY) process.stdout.write(`\r${line}`);
  else console.log(line);
}

/**
 * A block of lines redrawn in place on a terminal (log-update). Elsewhere (a log, a pipe) only its
 * first line is printed, when it changes, and the whole block at the end.
 */
export class LiveView {
  private lastHead = '';

  draw(given: string[], final = false): void {
    const lines = given.map(terminalSafe);
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
