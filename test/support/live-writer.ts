import { setTimeout as delay } from 'node:timers/promises';

/**
 * A writer that keeps changing a source while a job copies it: one transaction at a time on one
 * connection (so the order of its log is the order of its commits), each an update, an insert or a
 * delete of `acct`, or an order written, changed or removed with its lines. Every change of `acct`
 * logs itself in `writer_log` in the same transaction, with the row it left: the log a snapshot
 * holds says exactly which changes it saw, so a test rebuilds the source as of a job's snapshot
 * (expectedAcct) from a copy of the table taken before the writer started.
 */

/** acct's key: an integer; text (the writer's ids as text), which a job cuts in the source's order; or none at all (an index on id only), cut by pages. */
export type LiveKey = 'integer' | 'text' | 'none';

/** The tables, in both engines' SQL; `acct_initial` is acct as the writer found it. */
export const LIVE_SCHEMA = (serial: string, key: LiveKey = 'integer') => {
  const id = key === 'text' ? 'varchar(20)' : 'bigint';
  return `
  CREATE TABLE acct (id ${id} ${key === 'none' ? 'NOT NULL' : 'PRIMARY KEY'}, v int NOT NULL, note varchar(64));
  ${key === 'none' ? 'CREATE INDEX acct_id ON acct (id);' : ''}
  CREATE TABLE writer_log (seq ${serial} PRIMARY KEY, op char(1) NOT NULL, id ${id} NOT NULL, v int, note varchar(64));
  CREATE TABLE orders (id bigint PRIMARY KEY, n_lines int NOT NULL, total int NOT NULL);
  CREATE TABLE order_lines (order_id bigint NOT NULL, line int NOT NULL, qty int NOT NULL, PRIMARY KEY (order_id, line));`;
};

/** Runs one transaction's statements (parameters as `?`, rewritten per engine by the caller). */
export type Transact = (statements: [string, unknown[]][]) => Promise<void>;

export interface LiveWriter {
  /** Transactions committed so far. */
  readonly committed: number;
  stop(): Promise<void>;
}

/** Ids of acct and orders the writer may touch: 1..acctRows and 1..orders (ids it creates come after them). */
export function startWriter(transact: Transact, sizes: { acctRows: number; orders: number }, perSecond = 400): LiveWriter {
  let stopping = false;
  let committed = 0;
  let nextAcct = sizes.acctRows + 1;
  let nextOrder = sizes.orders + 1;
  const pick = (n: number) => 1 + Math.floor(Math.random() * n);
  const note = () => Math.random().toString(36).slice(2, 12);

  const step = (): [string, unknown[]][] => {
    const r = Math.random();
    if (r < 0.35) {
      const [id, v, n] = [String(pick(nextAcct - 1)), pick(1_000_000), note()];
      // An update of a deleted id changes nothing; its log row says what the row would be, so it logs only when it changed one.
      return [
        ['UPDATE acct SET v = ?, note = ? WHERE id = ?', [v, n, id]],
        ['INSERT INTO writer_log (op, id, v, note) SELECT ?, id, v, note FROM acct WHERE id = ?', ['U', id]],
      ];
    }
    if (r < 0.55) {
      const id = String(nextAcct++);
      const [v, n] = [pick(1_000_000), note()];
      return [
        ['INSERT INTO acct (id, v, note) VALUES (?, ?, ?)', [id, v, n]],
        ['INSERT INTO writer_log (op, id, v, note) VALUES (?, ?, ?, ?)', ['I', id, v, n]],
      ];
    }
    if (r < 0.7) {
      const id = String(pick(nextAcct - 1));
      return [
        ['INSERT INTO writer_log (op, id) SELECT ?, id FROM acct WHERE id = ?', ['D', id]],
        ['DELETE FROM acct WHERE id = ?', [id]],
      ];
    }
    if (r < 0.85) {
      const id = nextOrder++;
      const lines = Array.from({ length: pick(5) }, () => pick(100));
      return [
        ['INSERT INTO orders (id, n_lines, total) VALUES (?, ?, ?)', [id, lines.length, lines.reduce((a, b) => a + b, 0)]],
        ...lines.map((qty, i): [string, unknown[]] => ['INSERT INTO order_lines (order_id, line, qty) VALUES (?, ?, ?)', [id, i + 1, qty]]),
      ];
    }
    if (r < 0.93) {
      const [id, delta] = [pick(nextOrder - 1), pick(9)];
      return [
        ['UPDATE order_lines SET qty = qty + ? WHERE order_id = ? AND line = 1', [delta, id]],
        ['UPDATE orders SET total = total + ? WHERE id = ? AND n_lines > 0', [delta, id]],
      ];
    }
    const id = pick(nextOrder - 1);
    return [
      ['DELETE FROM order_lines WHERE order_id = ?', [id]],
      ['DELETE FROM orders WHERE id = ?', [id]],
    ];
  };

  const started = Date.now();
  // A transaction that fails stops the writer; whoever asks next hears why (rather than wait on it).
  let failure: unknown = null;
  const done = (async () => {
    while (!stopping) {
      await transact(step());
      committed++;
      // Paced to a steady rate: ahead of it, wait for the schedule to catch up.
      const ahead = started + (committed * 1000) / perSecond - Date.now();
      if (ahead > 0) await delay(ahead);
    }
  })().catch((err) => {
    failure = err;
  });
  return {
    get committed() {
      if (failure) throw failure;
      return committed;
    },
    async stop() {
      stopping = true;
      await done;
      if (failure) throw failure;
    },
  };
}

/**
 * acct as of the moment the log's change `upTo` committed: acct_initial with the last change of
 * each id the log holds up to it applied, in SQL both engines run (no DISTINCT ON in MariaDB).
 */
export const expectedAcct = (upTo: number) => `
  SELECT id, v, note FROM acct_initial WHERE id NOT IN (SELECT id FROM writer_log WHERE seq <= ${upTo})
  UNION ALL
  SELECT id, v, note FROM (
    SELECT id, op, v, note, ROW_NUMBER() OVER (PARTITION BY id ORDER BY seq DESC) AS latest FROM writer_log WHERE seq <= ${upTo}
  ) l WHERE latest = 1 AND op <> 'D'`;

/** The highest acct and order ids ever used (a writer started again creates ids after them); acct's by number, whatever its key's type. */
export const USED_IDS = `SELECT (SELECT max(CAST(id AS DECIMAL(20, 0))) FROM writer_log), (SELECT max(order_id) FROM order_lines)`;

/** Orders whose lines do not add up (a count or total that differs, or lines without their order): none in a consistent state. */
export const BROKEN_ORDERS = `
  SELECT count(*) AS n FROM (
    SELECT o.id FROM orders o LEFT JOIN (SELECT order_id, count(*) AS n, sum(qty) AS q FROM order_lines GROUP BY order_id) l ON l.order_id = o.id
      WHERE coalesce(l.n, 0) <> o.n_lines OR coalesce(l.q, 0) <> o.total
    UNION ALL
    SELECT l.order_id FROM order_lines l LEFT JOIN orders o ON o.id = l.order_id WHERE o.id IS NULL
  ) broken`;
