import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MysqlReader } from '../../src/connectors/mysql/reader.js';
import { isTransient } from '../../src/engine/failures.js';
import { createMariaDatabase, MARIADB } from '../support/mariadb.js';
import { until } from '../support/processes.js';

/**
 * A MariaDB session killed while its rows stream: mysql2 tells only the session, never the
 * stream, which waited forever (a task hung with its destination's COPY open). The read must end
 * with a transient error, so the task is tried again on a new session.
 */
describe('a MariaDB read whose session is killed mid-stream', () => {
  let maria: Awaited<ReturnType<typeof createMariaDatabase>>;
  beforeAll(async () => {
    maria = await createMariaDatabase('openmms_read_kill');
    await maria.admin.query('CREATE TABLE t (id int PRIMARY KEY, pad varchar(200)); INSERT INTO t SELECT seq, REPEAT(\'x\', 200) FROM seq_1_to_300000');
  });
  afterAll(() => maria?.drop());

  it('fails, transient, instead of waiting forever', async () => {
    const reader = await MysqlReader.open({ ...MARIADB, database: maria.name });
    const columns = [{ name: 'id', type: { kind: 'int32' as const } }, { name: 'pad', type: { kind: 'string' as const } }];
    let rows = 0;
    const read = (async () => {
      for await (const batch of reader.read(maria.name, 't', columns, null)) {
        rows += batch.length;
        // Slower than the server sends: the session is still streaming when it is killed.
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await until(async () => rows > 0);
    const [sessions] = await maria.admin.query(`SELECT id FROM information_schema.processlist WHERE db = ? AND info LIKE 'SELECT %' AND id <> CONNECTION_ID()`, [maria.name]);
    for (const { id } of sessions as { id: number }[]) await maria.admin.query(`KILL ${Number(id)}`);
    const err = await read.then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/the MariaDB session ended during the read \(connection is in closed state\)/);
    expect(isTransient(err)).toBe(true);
    await reader.close();
  });
});
