import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSourceService } from '../../datasources/service.js';
import { Envelope, errorResponses, Id, MAX_PAGE_SIZE, Paged, SourceParams } from '../schemas/common.js';
import {
  CreateDataSourceBody,
  DataSourceIdOut,
  DataSourceUpdatedOut,
  DataSourceOut,
  GetDataSourceQuery,
  ListDataSourcesQuery,
  UpdateDataSourceBody,
} from '../schemas/datasource.js';
import { dataSourceOut } from '../format.js';
import { paging } from '../paging.js';
import { allowedSources } from '../../auth/policy.js';
import { sharesWith } from '../auth.js';
import type { Store } from '../../store/store.js';
import { recordAsyncTask } from '../../store/async-tasks.js';

const tags = ['Data sources'];

export const dataSourceRoutes =
  (service: DataSourceService, store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/datasources',
      { config: { resource: 'datasource/*' }, schema: { operationId: 'CreateMmsDataSource', tags, body: CreateDataSourceBody, response: { 200: Envelope(DataSourceIdOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: { dataSourceId: await service.create(req.body, sharesWith(req)) } }),
    );

    app.post(
      '/datasources/test',
      {
        config: { resource: 'datasource/*' },
        schema: {
          operationId: 'TestMmsDataSource',
          tags,
          description: 'OpenMMS addition: checks the settings and both connections of a CreateMmsDataSource body without saving it (400 ConnectionFailed with the reason).',
          body: CreateDataSourceBody,
          response: { 200: Envelope(Type.Object({ source: Type.Literal('OK'), destination: Type.Literal('OK') })), ...errorResponses },
        },
      },
      async (req) => {
        await service.test(req.body, sharesWith(req));
        return { requestId: req.id, data: { source: 'OK' as const, destination: 'OK' as const } };
      },
    );

    app.get(
      '/datasources',
      { config: { listsSources: true }, schema: { operationId: 'ListMmsDataSources', tags, querystring: ListDataSourcesQuery, response: { 200: Paged(DataSourceOut), ...errorResponses } } },
      async (req) => {
        const { name, type } = req.query;
        const { pageNum, pageSize, page } = paging(req.query, MAX_PAGE_SIZE);
        const visible = req.principal ? allowedSources(req.principal.policy, 'odps:ListMmsDataSources') : {};
        const { total, items } = await service.list({ name, type, ...visible }, page);
        return { requestId: req.id, data: { total, objectList: items.map((ds) => dataSourceOut(ds, false)), pageNum, pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId',
      { schema: { operationId: 'GetMmsDataSource', tags, params: SourceParams, querystring: GetDataSourceQuery, response: { 200: Envelope(DataSourceOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: dataSourceOut(await service.get(req.params.sourceId), req.query.withConfig ?? false) }),
    );

    app.put(
      '/datasources/:sourceId',
      { schema: { operationId: 'UpdateMmsDataSource', tags, params: SourceParams, body: UpdateDataSourceBody, response: { 200: Envelope(DataSourceUpdatedOut), ...errorResponses } } },
      async (req) => {
        await service.update(req.params.sourceId, req.body, sharesWith(req));
        const asyncTaskId = await recordAsyncTask(store.db, { sourceId: req.params.sourceId, type: 'UPDATE_DATASOURCE', objectId: req.params.sourceId });
        return { requestId: req.id, data: { sourceId: req.params.sourceId, asyncTaskId } };
      },
    );

    app.delete(
      '/datasources/:sourceId',
      { schema: { operationId: 'DeleteMmsDataSource', tags, params: SourceParams, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await service.delete(req.params.sourceId);
        return { requestId: req.id, data: req.params.sourceId };
      },
    );
  };
