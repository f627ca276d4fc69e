import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CatalogService } from '../../catalog/service.js';
import type { ScanService } from '../../catalog/scan-service.js';
import type { CatalogFilter, CatalogSort } from '../../store/catalog.js';
import { invalid } from '../../errors.js';
import { paging } from '../paging.js';
import { Envelope, errorResponses, Paged, SourceParams } from '../schemas/common.js';
import {
  CreateScanBody, DbOut, DbParams, ListDbsQuery, ListPartitionsQuery, ListTablesQuery, PartitionOut, PartitionParams, ScanOut, ScanParams, TableOut, TableParams,
} from '../schemas/catalog.js';
import { dbOut, parseTime, partitionOut, scanOut, tableOut } from '../format.js';
import { Type } from '@sinclair/typebox';

const tags = ['Catalog'];
const SORTERS = { 'sorter.numRows': 'num_rows', 'sorter.size': 'size', 'sorter.lastDdlTime': 'last_ddl_time' } as const;

type CommonQuery = {
  status?: string[]; updated?: boolean; dropped?: boolean; lastDdlTimeStart?: string; lastDdlTimeEnd?: string;
  pageNum?: number; pageSize?: number; 'sorter.numRows'?: 'asc' | 'desc'; 'sorter.size'?: 'asc' | 'desc'; 'sorter.lastDdlTime'?: 'asc' | 'desc';
};

/** Splits a catalog list query into filter, sort and page. */
function listArgs<Q extends CommonQuery>(q: Q, extra: Partial<CatalogFilter>) {
  const sorts = (Object.keys(SORTERS) as (keyof typeof SORTERS)[]).filter((k) => q[k] !== undefined);
  if (sorts.length > 1) throw invalid(`sort by one field at a time (got ${sorts.join(', ')})`);
  const sort: CatalogSort = sorts[0] ? { field: SORTERS[sorts[0]], order: q[sorts[0]]! } : undefined;
  const filter: CatalogFilter = {
    ...extra, status: q.status, updated: q.updated, dropped: q.dropped,
    lastDdlTimeStart: q.lastDdlTimeStart === undefined ? undefined : parseTime(q.lastDdlTimeStart),
    lastDdlTimeEnd: q.lastDdlTimeEnd === undefined ? undefined : parseTime(q.lastDdlTimeEnd),
  };
  return { filter, sort, ...paging(q) };
}

export const catalogRoutes =
  (catalog: CatalogService, scans: ScanService): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/datasources/:sourceId/scans',
      {
        schema: { operationId: 'CreateMmsFetchMetadataJob', tags, params: SourceParams, body: CreateScanBody, response: { 200: Envelope(Type.Object({ scanId: Type.Integer() })), ...errorResponses } },
        // The body is optional: no body scans the whole source.
        preValidation: async (req) => {
          req.body ??= {};
        },
      },
      async (req) => ({ requestId: req.id, data: { scanId: await scans.create(req.params.sourceId, req.body) } }),
    );

    app.get(
      '/datasources/:sourceId/scans/:scanId',
      { schema: { operationId: 'GetMmsFetchMetadataJob', tags, params: ScanParams, response: { 200: Envelope(ScanOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: scanOut(await scans.get(req.params.sourceId, req.params.scanId)) }),
    );

    app.get(
      '/datasources/:sourceId/dbs',
      { schema: { operationId: 'ListMmsDbs', tags, params: SourceParams, querystring: ListDbsQuery, response: { 200: Paged(DbOut), ...errorResponses } } },
      async (req) => {
        const a = listArgs(req.query, { name: req.query.name });
        const { sourceName, total, rows } = await catalog.listDbs(req.params.sourceId, a.filter, a.sort, a.page);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => dbOut(sourceName, r)), pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/dbs/:dbId',
      { schema: { operationId: 'GetMmsDb', tags, params: DbParams, response: { 200: Envelope(DbOut), ...errorResponses } } },
      async (req) => {
        const { sourceName, row } = await catalog.getDb(req.params.sourceId, req.params.dbId);
        return { requestId: req.id, data: dbOut(sourceName, row) };
      },
    );

    app.get(
      '/datasources/:sourceId/tables',
      { schema: { operationId: 'ListMmsTables', tags, params: SourceParams, querystring: ListTablesQuery, response: { 200: Paged(TableOut), ...errorResponses } } },
      async (req) => {
        const { dbId, dbName, name, hasPartitions } = req.query;
        const a = listArgs(req.query, { dbId, dbName, name, hasPartitions });
        const { sourceName, total, rows } = await catalog.listTables(req.params.sourceId, a.filter, a.sort, a.page);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => tableOut(sourceName, r)), pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/tables/:tableId',
      { schema: { operationId: 'GetMmsTable', tags, params: TableParams, response: { 200: Envelope(TableOut), ...errorResponses } } },
      async (req) => {
        const { sourceName, row } = await catalog.getTable(req.params.sourceId, req.params.tableId);
        return { requestId: req.id, data: tableOut(sourceName, row) };
      },
    );

    app.get(
      '/datasources/:sourceId/partitions',
      { schema: { operationId: 'ListMmsPartitions', tags, params: SourceParams, querystring: ListPartitionsQuery, response: { 200: Paged(PartitionOut), ...errorResponses } } },
      async (req) => {
        const { dbId, dbName, tableId, tableName, value } = req.query;
        const a = listArgs(req.query, { dbId, dbName, tableId, tableName, name: value });
        const { sourceName, total, rows } = await catalog.listPartitions(req.params.sourceId, a.filter, a.sort, a.page);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => partitionOut(sourceName, r)), pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/partitions/:partitionId',
      { schema: { operationId: 'GetMmsPartition', tags, params: PartitionParams, response: { 200: Envelope(PartitionOut), ...errorResponses } } },
      async (req) => {
        const { sourceName, row } = await catalog.getPartition(req.params.sourceId, req.params.partitionId);
        return { requestId: req.id, data: partitionOut(sourceName, row) };
      },
    );
  };
