import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSourceService } from '../../datasources/service.js';
import { notFound } from '../../errors.js';
import type { Store } from '../../store/store.js';
import * as tasks from '../../store/tasks.js';
import { Envelope, errorResponses, Id, Paged, SourceParams } from '../schemas/common.js';
import type { JobService } from '../../jobs/service.js';
import { ListTasksQuery, LogsQuery, TaskLogOut, TaskOut, TaskParams } from '../schemas/task.js';
import { taskLogOut, taskOut } from '../format.js';
import { paging } from '../paging.js';
import { statusFilter } from '../../jobs/task-status.js';

const tags = ['Tasks'];
/** A task's logs in one answer: one line per slice and per retry, so this is many partitions' worth. */
const MAX_TASK_LOGS = 10_000;

/** ListMmsTasks, GetMmsTask, RetryMmsTask, ListMmsTaskLogs. */
export const taskRoutes =
  (store: Store, dataSources: DataSourceService, jobs: JobService): FastifyPluginAsyncTypebox =>
  async (app) => {
    const task = async (sourceId: number, taskId: number) => {
      await dataSources.get(sourceId);
      const row = await tasks.getTask(store.db, sourceId, taskId);
      if (!row) throw notFound('Task', taskId);
      return row;
    };

    app.get(
      '/datasources/:sourceId/tasks',
      { schema: { operationId: 'ListMmsTasks', tags, params: SourceParams, querystring: ListTasksQuery, response: { 200: Paged(TaskOut), ...errorResponses } } },
      async (req) => {
        await dataSources.get(req.params.sourceId);
        const { pageNum: _n, pageSize: _s, 'sorter.startTime': startTime, 'sorter.status': order, status, ...filter } = req.query;
        const { pageNum, pageSize, page } = paging(req.query);
        // A phase's _DONE: no task rests there (jobs/task-status.ts).
        const selected = status === undefined ? {} : statusFilter(status);
        const { total, rows } = selected === null ? { total: 0, rows: [] } : await tasks.listTasks(store.db, req.params.sourceId, { ...filter, ...selected }, page, { startTime, status: order });
        return { requestId: req.id, data: { total, objectList: rows.map((r) => taskOut(r)), pageNum, pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/tasks/:taskId',
      { schema: { operationId: 'GetMmsTask', tags, params: TaskParams, response: { 200: Envelope(TaskOut), ...errorResponses } } },
      async (req) => {
        const row = await task(req.params.sourceId, req.params.taskId);
        return { requestId: req.id, data: taskOut(row, await tasks.taskPartitions(store.db, row.id)) };
      },
    );

    app.post(
      '/datasources/:sourceId/tasks/:taskId/retry',
      { schema: { operationId: 'RetryMmsTask', tags, params: TaskParams, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await jobs.retryTask(req.params.sourceId, req.params.taskId);
        return { requestId: req.id, data: req.params.taskId };
      },
    );

    app.get(
      '/datasources/:sourceId/tasks/:taskId/logs',
      { schema: { operationId: 'ListMmsTaskLogs', tags, params: TaskParams, querystring: LogsQuery, response: { 200: Envelope(Type.Array(TaskLogOut)), ...errorResponses } } },
      async (req) => {
        // A bare array, as MMS answers (the SDK sends no paging); pageNum/pageSize narrow it (OpenMMS addition).
        const row = await task(req.params.sourceId, req.params.taskId);
        const { page } = req.query.pageSize === undefined ? { page: { offset: 0, limit: MAX_TASK_LOGS } } : paging(req.query, 1000);
        const { rows } = await tasks.taskLogs(store.db, row.id, page);
        return { requestId: req.id, data: rows.map((r) => taskLogOut(r, row.source_id)) };
      },
    );
  };
