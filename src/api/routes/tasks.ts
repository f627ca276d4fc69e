import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSourceService } from '../../datasources/service.js';
import { notFound } from '../../errors.js';
import type { Store } from '../../store/store.js';
import * as tasks from '../../store/tasks.js';
import { Envelope, errorResponses, Paged, SourceParams } from '../schemas/common.js';
import { ListTasksQuery, LogsQuery, TaskLogOut, TaskOut, TaskParams } from '../schemas/task.js';
import { taskLogOut, taskOut } from '../format.js';
import { paging } from '../paging.js';

const tags = ['Tasks'];

/** ListMmsTasks, GetMmsTask, ListMmsTaskLogs. */
export const taskRoutes =
  (store: Store, dataSources: DataSourceService): FastifyPluginAsyncTypebox =>
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
        const { pageNum: _n, pageSize: _s, ...filter } = req.query;
        const { pageNum, pageSize, page } = paging(req.query);
        const { total, rows } = await tasks.listTasks(store.db, req.params.sourceId, filter, page);
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

    app.get(
      '/datasources/:sourceId/tasks/:taskId/logs',
      { schema: { operationId: 'ListMmsTaskLogs', tags, params: TaskParams, querystring: LogsQuery, response: { 200: Paged(TaskLogOut), ...errorResponses } } },
      async (req) => {
        const row = await task(req.params.sourceId, req.params.taskId);
        const { pageNum, pageSize, page } = paging(req.query, 100);
        const { total, rows } = await tasks.taskLogs(store.db, row.id, page);
        return { requestId: req.id, data: { total, objectList: rows.map(taskLogOut), pageNum, pageSize } };
      },
    );
  };
