import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DataSourceService } from '../../datasources/service.js';
import { Envelope, errorResponses, Id, MAX_PAGE_SIZE, Paged, SourceParams } from '../schemas/common.js';
import {
  CreateDataSourceBody,
  DataSourceIdOut,
  DataSourceUpdatedOut,
  ConfigItemOut,
  ConfigItemsQuery,
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
import { dataSourceStats } from '../../store/datasources.js';
import { configFromMap, configItems, mergeConfigMap } from '../../datasources/config-items.js';
import { invalid, MmsError } from '../../errors.js';
import type { Engine } from '../../connectors/engines.js';

const tags = ['Data sources'];
/** ListMmsDataSources without paging: every one, up to this many. */
const ALL_SOURCES = 10_000;

/** MMS's flat config map (`{"source.host": …}`) rather than OpenMMS's `{source, destination}`. */
const isConfigMap = (config: object): config is Record<string, unknown> => !('source' in config) && !('destination' in config);

/** A CreateMmsDataSource body with either form of config, as the service takes it. */
function asInput<B extends { type: Engine; config: object }>(body: B) {
  return { ...body, config: isConfigMap(body.config) ? configFromMap(body.type, body.config) : (body.config as { source: never }) };
}

export const dataSourceRoutes =
  (service: DataSourceService, store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/datasources',
      { config: { resource: 'datasource/*' }, schema: { operationId: 'CreateMmsDataSource', tags, body: CreateDataSourceBody, response: { 200: Envelope(DataSourceIdOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: { dataSourceId: await service.create(asInput(req.body), sharesWith(req)) } }),
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
        await service.test(asInput(req.body), sharesWith(req));
        return { requestId: req.id, data: { source: 'OK' as const, destination: 'OK' as const } };
      },
    );

    app.get(
      '/datasources',
      { config: { listsSources: true }, schema: { operationId: 'ListMmsDataSources', tags, querystring: ListDataSourcesQuery, response: { 200: Paged(DataSourceOut), ...errorResponses } } },
      async (req) => {
        const { name, type, region } = req.query;
        // As MMS: without pageNum and pageSize, every data source (there are few).
        const all = req.query.pageNum === undefined && req.query.pageSize === undefined;
        const { pageNum, pageSize, page } = all ? { pageNum: 1, pageSize: 0, page: { offset: 0, limit: ALL_SOURCES } } : paging(req.query, MAX_PAGE_SIZE);
        const visible = req.principal ? allowedSources(req.principal.policy, 'odps:ListMmsDataSources') : {};
        const { total, items } = await service.list({ name, type, region, ...visible }, page);
        const stats = await dataSourceStats(store.db, items.map((ds) => ds.row.id));
        return { requestId: req.id, data: { total, objectList: items.map((ds) => dataSourceOut(ds, stats.get(ds.row.id)!)), pageNum, pageSize: all ? total : pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId',
      { schema: { operationId: 'GetMmsDataSource', tags, params: SourceParams, querystring: GetDataSourceQuery, response: { 200: Envelope(DataSourceOut), ...errorResponses } } },
      async (req) => {
        const ds = await service.get(req.params.sourceId);
        const stats = (await dataSourceStats(store.db, [ds.row.id])).get(ds.row.id)!;
        return { requestId: req.id, data: dataSourceOut(ds, stats, req.query.withConfig ? (req.query.lang ?? 'zh_CN') : undefined) };
      },
    );

    app.put(
      '/datasources/:sourceId',
      { schema: { operationId: 'UpdateMmsDataSource', tags, params: SourceParams, body: UpdateDataSourceBody, response: { 200: Envelope(DataSourceUpdatedOut), ...errorResponses } } },
      async (req) => {
        const { sourceId } = req.params;
        const { action, test, config, ...rest } = req.body;
        const current = await service.get(sourceId);
        const changes = { ...rest, ...(config && { config: isConfigMap(config) ? mergeConfigMap(current.type, current.config, config) : config }) };
        if (action === 'RENAME' && changes.name === undefined) throw invalid('action RENAME takes a name');
        if (action === 'UPDATE_CONFIG' && changes.config === undefined) throw invalid('action UPDATE_CONFIG takes a config');
        if (action === 'START' || action === 'STOP') Object.assign(changes, { status: action === 'START' ? 'STARTED' : 'STOPPED' });
        const record = (outcome: { status?: 'DONE' | 'FAILED'; result?: string; errorMsg?: string } = {}) =>
          recordAsyncTask(store.db, { sourceId, type: 'UPDATE_DATASOURCE', objectId: sourceId, ...outcome });
        if (test) {
          // Tested, not saved: the async task holds the outcome, as MMS's does.
          try {
            await service.testChanges(sourceId, changes, sharesWith(req));
            return { requestId: req.id, data: { sourceId, asyncTaskId: await record({ result: JSON.stringify({ source: 'OK', destination: 'OK' }) }) } };
          } catch (err) {
            if (!(err instanceof MmsError) || err.status >= 500) throw err;
            return { requestId: req.id, data: { sourceId, asyncTaskId: await record({ status: 'FAILED', errorMsg: err.message }) } };
          }
        }
        await service.update(sourceId, changes, sharesWith(req));
        return { requestId: req.id, data: { sourceId, asyncTaskId: await record() } };
      },
    );

    app.get(
      '/configItems',
      { config: { resource: '*' }, schema: { operationId: 'ListMmsDataSourceConfigItems', tags, querystring: ConfigItemsQuery, response: { 200: Envelope(Type.Array(ConfigItemOut)), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: configItems(req.query.sourceType, req.query.lang) }),
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
