/**
 * Where DuckDB's text forms differ from the Values' (connectors/data.ts, PostgreSQL's own forms):
 * dates before year 1 and intervals. Both directions, so a value read back equals the one written.
 */

/** `0044-03-15 10:00:00 BC` → `-0043-03-15 10:00:00` (DuckDB reads astronomical years; it would read the BC form as AD). */
export function bcToAstronomical(text: string): string {
  const m = /^(\d{4,})(-.*) BC$/.exec(text);
  if (!m) return text;
  const year = 1 - Number(m[1]);
  return `${year < 0 ? '-' : ''}${String(Math.abs(year)).padStart(4, '0')}${m[2]}`;
}

/** SQL turning DuckDB's `0044-03-15 (BC) 10:00:00` into the Value form `0044-03-15 10:00:00 BC`. */
export const bcFromDuckdb = (expr: string) => `regexp_replace(CAST(${expr} AS VARCHAR), '^(\\S+) \\(BC\\)(.*)$', '\\1\\2 BC')`;

const ISO_INTERVAL = /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d{1,6}))?S)?)?$/;

/** An ISO 8601 interval as PostgreSQL prints it (`P1Y2M3DT4H5M6.789S`) → text DuckDB casts to INTERVAL exactly. */
export function isoIntervalToDuckdb(text: string): string {
  const m = ISO_INTERVAL.exec(text);
  if (!m) return text; // not ISO: DuckDB parses it, or says why not
  const n = (i: number) => BigInt(m[i] ?? 0);
  const months = n(1) * 12n + n(2);
  const seconds = BigInt(m[7] ?? 0) * 1_000_000n + BigInt((m[8] ?? '').padEnd(6, '0') || 0);
  const micros = (n(4) * 3600n + n(5) * 60n) * 1_000_000n + (m[6] === '-' ? -seconds : seconds);
  return `${months} months ${n(3)} days ${micros} microseconds`;
}

/** DuckDB's interval (months, days, microseconds) → the ISO 8601 text PostgreSQL prints (IntervalStyle iso_8601). */
export function intervalToIso(v: { months: number; days: number; micros: bigint }): string {
  const months = BigInt(v.months);
  const micros = BigInt(v.micros);
  if (months === 0n && v.days === 0 && micros === 0n) return 'PT0S';
  const part = (x: bigint | number, unit: string) => (BigInt(x) === 0n ? '' : `${x}${unit}`);
  const hours = micros / 3_600_000_000n;
  const minutes = (micros % 3_600_000_000n) / 60_000_000n;
  const rest = micros % 60_000_000n;
  const abs = rest < 0n ? -rest : rest;
  const fraction = (abs % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  const seconds = rest === 0n ? '' : `${rest < 0n ? '-' : ''}${abs / 1_000_000n}${fraction ? `.${fraction}` : ''}S`;
  const time = `${part(hours, 'H')}${part(minutes, 'M')}${seconds}`;
  return `P${part(months / 12n, 'Y')}${part(months % 12n, 'M')}${part(v.days, 'D')}${time ? `T${time}` : ''}`;
}
