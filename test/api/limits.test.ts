import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteDatabase } from '../../src/store/sqlite-driver.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../support/catalog.js';
import { mms, TestApi } from '../support/api.js';

describe('limits on partitions per job and jobs at once', () => {
  let api: TestApi;
  let sourceId: number;
  const days = Array.from({ length: 30 }, (_, i) => `dt=2024-01-${String(i + 1).padStart(2, '0')}`);
  const create = (body: object) => api.call('POST', mms(`/datasources/${sourceId}/jobs`), { srcDbName: 'sales', ...body });

  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'openmms-limits-'));
    new SqliteDatabase(join(dataDir, 's.db')).close();
    api = await TestApi.start('sqlite', dataDir, { limits: { maxPartitionsPerJob: 10, maxActiveJobs: 2, maxRunningTasks: null } });
    sourceId = (await api.call('POST', mms('/datasources'), { name: 's', type: 'SQLITE', config: { source: { path: 's.db' } } })).body.data.dataSourceId;
    await seedCatalog(api.store, sourceId, 'sales', [{ name: 'orders', partitions: days }, { name: 'returns', partitions: days }]);
  });
  afterAll(() => api?.close());

  it('refuses a job over the partition limit, counting what its filters select', async () => {
    const all = await create({ name: 'all', tables: ['orders'] });
    expect(all.status).toBe(400);
    expect(all.body).toMatchObject({ code: 'LimitExceeded', message: 'the job would cover 30 partitions, more than 10 per job (OPENMMS_MAX_PARTITIONS_PER_JOB); split it with partition filters or table lists' });
    expect((await create({ name: 'week', tables: ['orders'], partitionFilters: { orders: "dt <= '2024-01-07'" } })).status).toBe(200);
  });

  it('refuses more queued or running jobs than the service runs at once; a stopped job frees its slot', async () => {
    const second = await create({ name: 'returns-week', tables: ['returns'], partitionFilters: { returns: "dt <= '2024-01-07'" } });
    expect(second.status).toBe(200);
    const third = await create({ name: 'third', tables: ['returns'], partitionFilters: { returns: "dt = '2024-01-09'" } });
    expect(third.status).toBe(429);
    expect(third.body).toMatchObject({ code: 'LimitExceeded', message: expect.stringMatching(/^2 jobs are queued or running, the most this service runs at once \(OPENMMS_MAX_ACTIVE_JOBS=2\)/) });
    const jobId = second.body.data.jobId;
    expect((await api.call('POST', mms(`/datasources/${sourceId}/jobs/${jobId}/stop`))).status).toBe(200);
    expect((await create({ name: 'third', tables: ['returns'], partitionFilters: { returns: "dt = '2024-01-09'" } })).status).toBe(200);
    const restart = await api.call('POST', mms(`/datasources/${sourceId}/jobs/${jobId}/start`));
    expect([restart.status, restart.body.code]).toEqual([429, 'LimitExceeded']);
  });
});
