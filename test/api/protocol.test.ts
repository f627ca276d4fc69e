import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/api/app.js';
import { mms, TestApi } from '../support/api.js';

describe('HTTP protocol: errors, limits, OpenAPI', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await TestApi.start('sqlite');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('answers unknown calls with the error envelope', async () => {
    const res = await api.app.inject({ url: mms('/nothing-here?x=1') });
    expect(res.statusCode).toBe(404);
    const body = JSON.parse(res.body);
    expect(body).toEqual({ requestId: res.headers['x-request-id'], code: 'NotFound', message: 'no such call: GET /api/v1/mms/nothing-here' });
  });

  it('logs each request once: at debug when it went well, at info when the caller erred, without its query', async () => {
    const lines = () => api.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string; url?: string; status?: number; reqId?: string });
    const ok = await api.call('GET', mms('/datasources?name=secret-ish'));
    const missing = await api.call('GET', mms('/datasources/999/jobs/1'));
    const of = (id: string) => lines().filter((l) => l.reqId === id && l.msg === 'request');
    expect(of(ok.body.requestId)).toEqual([expect.objectContaining({ level: 20, msg: 'request', url: '/api/v1/mms/datasources', status: 200 })]);
    expect(of(missing.body.requestId)).toEqual([expect.objectContaining({ level: 30, msg: 'request', status: 404 })]);
    // Fastify's own "incoming request" / "request completed" pair is off.
    expect(lines().filter((l) => /incoming request|request completed/.test(l.msg))).toEqual([]);
  });

  it('refuses an oversized body with 413 and a wrong content type with 415', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(BODY_LIMIT), type: 'SQLITE', config: { source: { path: '/a' } } });
    const tooBig = await api.call('POST', mms('/datasources'), big);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('PayloadTooLarge');
    const text = await api.app.inject({ method: 'POST', url: mms('/datasources'), headers: { 'content-type': 'text/plain' }, payload: 'name=x' });
    expect(text.statusCode).toBe(415);
    expect(JSON.parse(text.body).code).toBe('UnsupportedMediaType');
  });

  it('refuses a body that is not an object', async () => {
    for (const body of ['[]', '"text"', '42', 'null']) {
      const res = await api.call('POST', mms('/datasources'), body);
      expect(res.status, body).toBe(400);
      expect(res.body.code).toBe('InvalidParameter');
    }
  });

  it('serves an OpenAPI document generated from the route schemas', async () => {
    const res = await api.call('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    const list = res.body.paths['/api/v1/mms/datasources/{sourceId}/jobs'].get;
    expect(list.operationId).toBe('ListMmsJobs');
    expect(list.parameters.map((p: any) => p.name).sort()).toEqual(
      ['dstDbName', 'dstTableName', 'name', 'pageNum', 'pageSize', 'sorter.status', 'sourceId', 'srcDbName', 'srcTableName', 'status', 'stopped', 'timerId'].sort(),
    );
    const ops = Object.values(res.body.paths).flatMap((p: any) => Object.values(p).map((o: any) => o.operationId));
    expect(ops.sort()).toEqual(
      [
        'CreateMmsDataSource', 'ListMmsDataSources', 'GetMmsDataSource', 'UpdateMmsDataSource', 'DeleteMmsDataSource', 'TestMmsDataSource', 'ListMmsDataSourceConfigItems',
        'CreateMmsJob', 'PreviewMmsJob', 'ListMmsJobs', 'GetMmsJob', 'GetMmsJobThroughput', 'GetMmsJobActions', 'StartMmsJob', 'StopMmsJob', 'RetryMmsJob', 'DeleteMmsJob', 'DeleteMmsJobByDelete',
        'GetMmsAsyncTask', 'ListMmsTasks', 'GetMmsTask', 'RetryMmsTask', 'ListMmsTaskLogs',
        'CreateMmsTimer', 'ListMmsTimers', 'GetMmsTimer', 'UpdateMmsTimer', 'DeleteMmsTimer', 'TriggerMmsTimer', 'ListMmsTimerLogs',
        'CreateToken', 'CreateAccessKey', 'ListAccessKeys', 'DeleteAccessKey',
        'CreateMmsFetchMetadataJob', 'GetMmsFetchMetadataJob', 'ListMmsDbs', 'GetMmsDb', 'UpdateMmsDb', 'ListMmsTables', 'GetMmsTable', 'UpdateMmsTable', 'UpdateMmsTables',
        'ListMmsPartitions', 'GetMmsPartition',
      ].sort(),
    );
  });
});
