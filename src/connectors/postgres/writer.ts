import { once } from 'node:events';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Connection } from '../engines.js';
import { SLICE_COLUMN, type DataColumn, type DestinationWriter, type Row } from '../data.js';
import { connectPostgres, qualified, quoteIdent } from './connect.js';
import { encodeCopyRow } from './copy-text.js';
import { CANONICAL_SESSION } from './reader.js';
import { toPostgres } from './types.js';

/**
 * Writes with COPY … FROM STDIN. A slice is replaced inside one transaction (DELETE its rows, COPY
 * the new ones, COMMIT), so readers see the old rows or the new ones and a failure rolls back.
 */
export class PostgresWriter implements DestinationWriter {
  private constructor(private readonly client: pg.Client) {}

  static async open(conn: Connection): Promise<PostgresWriter> {
    const client = await connectPostgres(conn, { readOnly: false });
    await client.query(CANONICAL_SESSION);
    return new PostgresWriter(client);
  }

  async ensureTable(db: string, table: string, columns: DataColumn[], partitioned: boolean): Promise<void> {
    const target = qualified(db, table);
    const wanted = [...columns.map((c) => [c.name, toPostgres(c.type)]), ...(partitioned ? [[SLICE_COLUMN, 'text']] : [])];
    await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db)}`).catch((err: { code?: string }) => {
      // Two tasks creating the same schema at once: IF NOT EXISTS is not atomic in PostgreSQL.
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
    const { rows } = await this.client.query<{ name: string }>(
      'SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2',
      [db, table],
    );
    if (rows.length === 0) {
      await this.client.query(`CREATE TABLE ${target} (${wanted.map(([n, t]) => `${quoteIdent(n!)} ${t}`).join(', ')})`);
      if (partitioned) await this.client.query(`CREATE INDEX ON ${target} (${quoteIdent(SLICE_COLUMN)})`);
      return;
    }
    const have = new Set(rows.map((r) => r.name));
    for (const [name, type] of wanted) {
      if (!have.has(name!)) await this.client.query(`ALTER TABLE ${target} ADD COLUMN ${quoteIdent(name!)} ${type}`);
    }
  }

  async replace(db: string, table: string, columns: DataColumn[], slice: string | null, rows: AsyncIterable<Row[]>): Promise<number> {
    const target = qualified(db, table);
    const names = [...columns.map((c) => quoteIdent(c.name)), ...(slice === null ? [] : [quoteIdent(SLICE_COLUMN)])];
    const types = columns.map((c) => c.type);
    const tail = slice === null ? [] : [slice];
    let written = 0;
    let copy: ReturnType<typeof copyFrom> | undefined;
    await this.client.query('BEGIN');
    try {
      if (slice === null) await this.client.query(`DELETE FROM ${target}`);
      else await this.client.query(`DELETE FROM ${target} WHERE ${quoteIdent(SLICE_COLUMN)} = $1`, [slice]);
      copy = this.client.query(copyFrom(`COPY ${target} (${names.join(', ')}) FROM STDIN`));
      const done = once(copy, 'finish');
      done.catch(() => {}); // awaited below; on failure the catch block reports the cause
      for await (const batch of rows) {
        // Back-pressure: wait for the server to take what was sent before reading more.
        if (!copy.write(batch.map((r) => encodeCopyRow(r, types, tail)).join(''))) await once(copy, 'drain');
        written += batch.length;
      }
      copy.end();
      await done;
      await this.client.query('COMMIT');
    } catch (err) {
      if (copy && !copy.writableFinished) {
        // Abort the COPY (the server gets CopyFail) before rolling the transaction back.
        const closed = once(copy, 'close').catch(() => {});
        copy.on('error', () => {}); // the server's answer to CopyFail; `err` is what we report
        copy.destroy(err as Error);
        await closed;
      }
      await this.client.query('ROLLBACK').catch(() => {});
      throw err;
    }
    return written;
  }

  async count(db: string, table: string, slice: string | null): Promise<number> {
    const where = slice === null ? '' : ` WHERE ${quoteIdent(SLICE_COLUMN)} = $1`;
    const { rows } = await this.client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(db, table)}${where}`, slice === null ? [] : [slice]);
    return Number(rows[0]!.n);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
