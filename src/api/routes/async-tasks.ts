import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSourceService } from '../../datasources/service.js';
import { notFound } from '../../errors.js';
import { getAsyncTask } from '../../store/async-tasks.js';
import type { Store } from '../../store/store.js';
import { AsyncTaskOut, AsyncTaskParams } from '../schemas/async-task.js';
import { Envelope, errorResponses } from '../schemas/common.js';
import { asyncTaskOut } from '../format.js';

/** GetMmsAsyncTask. */
export const asyncTaskRoutes =
  (store: Store, dataSources: DataSourceService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/datasources/:sourceId/asyncTasks/:asyncTaskId',
      { schema: { operationId: 'GetMmsAsyncTask', tags: ['Jobs'], params: AsyncTaskParams, response: { 200: Envelope(AsyncTaskOut), ...errorResponses } } },
      async (req) => {
        await dataSources.get(req.params.sourceId);
        const row = await getAsyncTask(store.db, req.params.sourceId, req.params.asyncTaskId);
        if (!row) throw notFound('AsyncTask', req.params.asyncTaskId);
        return { requestId: req.id, data: asyncTaskOut(row) };
      },
    );
  };
