import PgBoss from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderedId, TASK_QUEUE, TaskQueue } from '../../src/cluster/queue.js';
import { createPgDatabase, pgQuery } from '../support/stores.js';

describe('the task queue', () => {
  it('names messages by time, then order, then at random, so that they sort so', () => {
    const ids = [orderedId(1_000, 0), orderedId(1_000, 1), orderedId(1_000, 300), orderedId(1_001, 0), orderedId(2 ** 44, 0)];
    expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(orderedId(1_000, 0)).not.toBe(ids[0]);
    expect(() => orderedId(1_000, 65_536)).toThrow(RangeError);
  });

  let db: Awaited<ReturnType<typeof createPgDatabase>>;
  beforeAll(async () => {
    db = await createPgDatabase('openmms_queue');
  });
  afterAll(async () => {
    await db?.drop();
  });

  const waiting = async () => (await pgQuery(db.url, `SELECT singleton_key AS key, count(*)::int AS n FROM openmms_queue.job WHERE name = '${TASK_QUEUE}' AND state = 'created' GROUP BY 1 ORDER BY 1`)).map((r) => `${r.key}: ${r.n}`);

  it('queues a task offered at every pass once while its message waits, on a queue an earlier version created too; once a worker holds it, it may be offered again', async () => {
    // An earlier version created the queue with pg-boss's default policy, which ignores the key.
    const old = new PgBoss({ connectionString: db.url, schema: 'openmms_queue' });
    old.on('error', () => {});
    await old.start();
    await old.createQueue(TASK_QUEUE);
    await old.stop({ graceful: false, wait: true });

    const queue = await TaskQueue.open(db.url);
    try {
      for (let pass = 0; pass < 3; pass++) await queue.offer([{ taskId: 1, priority: 0 }, { taskId: 2, priority: 5 }]);
      await queue.offer([]);
      expect(await waiting()).toEqual(['task-1: 1', 'task-2: 1']);

      // A worker takes the earlier eta's task (the higher priority) and declines it: offered again, it waits again.
      const taken: number[] = [];
      await queue.work(1, async ({ taskId }) => void taken.push(taskId));
      await expect.poll(async () => (await waiting()).length, { timeout: 30_000 }).toBe(0);
      expect(taken).toEqual([2, 1]);
      await queue.offer([{ taskId: 1, priority: 0 }]);
      await expect.poll(() => taken.length, { timeout: 30_000 }).toBe(3);
      // One offer's tasks of one priority are taken in the order offered (a job's partitions in order).
      await queue.offer([7, 3, 9, 5, 4].map((taskId) => ({ taskId, priority: 0 })));
      await expect.poll(() => taken.length, { timeout: 30_000 }).toBe(8);
      expect(taken.slice(3)).toEqual([7, 3, 9, 5, 4]);
    } finally {
      await queue.close(false);
    }
  });
});
