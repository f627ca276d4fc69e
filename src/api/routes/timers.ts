import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { TimerService } from '../../timers/service.js';
import { Envelope, errorResponses, Id, Paged, SourceParams } from '../schemas/common.js';
import { CreateTimerBody, ListTimersQuery, TimerLogOut, TimerLogsQuery, TimerOut, TimerParams, UpdateTimerBody } from '../schemas/timer.js';
import { timerLogOut, timerOut } from '../format.js';
import { paging } from '../paging.js';

const tags = ['Timers'];

/** CreateMmsTimer, ListMmsTimers, GetMmsTimer, UpdateMmsTimer, DeleteMmsTimer, TriggerMmsTimer, ListMmsTimerLogs. */
export const timerRoutes =
  (timers: TimerService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/datasources/:sourceId/timers',
      { schema: { operationId: 'CreateMmsTimer', tags, params: SourceParams, body: CreateTimerBody, response: { 200: Envelope(Type.Object({ timerId: Id })), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: { timerId: await timers.create(req.params.sourceId, req.body) } }),
    );
    app.get(
      '/datasources/:sourceId/timers',
      { schema: { operationId: 'ListMmsTimers', tags, params: SourceParams, querystring: ListTimersQuery, response: { 200: Paged(TimerOut), ...errorResponses } } },
      async (req) => {
        const { pageNum: _n, pageSize: _s, ...filter } = req.query;
        const { pageNum, pageSize, page } = paging(req.query);
        const { total, rows } = await timers.list(req.params.sourceId, filter, page);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => timerOut(r)), pageNum, pageSize } };
      },
    );
    app.get(
      '/datasources/:sourceId/timers/:timerId',
      { schema: { operationId: 'GetMmsTimer', tags, params: TimerParams, response: { 200: Envelope(TimerOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: timerOut(await timers.get(req.params.sourceId, req.params.timerId), true) }),
    );
    app.put(
      '/datasources/:sourceId/timers/:timerId',
      { schema: { operationId: 'UpdateMmsTimer', tags, params: TimerParams, body: UpdateTimerBody, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await timers.update(req.params.sourceId, req.params.timerId, req.body);
        return { requestId: req.id, data: req.params.timerId };
      },
    );
    app.delete(
      '/datasources/:sourceId/timers/:timerId',
      { schema: { operationId: 'DeleteMmsTimer', tags, params: TimerParams, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await timers.delete(req.params.sourceId, req.params.timerId);
        return { requestId: req.id, data: req.params.timerId };
      },
    );
    app.post(
      '/datasources/:sourceId/timers/:timerId/trigger',
      { schema: { operationId: 'TriggerMmsTimer', tags, params: TimerParams, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await timers.trigger(req.params.sourceId, req.params.timerId);
        return { requestId: req.id, data: req.params.timerId };
      },
    );
    app.get(
      '/datasources/:sourceId/timers/:timerId/logs',
      { schema: { operationId: 'ListMmsTimerLogs', tags, params: TimerParams, querystring: TimerLogsQuery, response: { 200: Paged(TimerLogOut), ...errorResponses } } },
      async (req) => {
        const { pageNum, pageSize, page } = paging(req.query);
        const { total, rows } = await timers.logs(req.params.sourceId, req.params.timerId, page);
        return { requestId: req.id, data: { total, objectList: rows.map(timerLogOut), pageNum, pageSize } };
      },
    );
  };
