import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { noSchemaLevel, type CatalogService } from '../../catalog/service.js';
import type { ScanService } from '../../catalog/scan-service.js';
import type { CatalogFilter, CatalogSort } from '../../store/catalog.js';
import { invalid } from '../../errors.js';
import { paging } from '../paging.js';
import { Envelope, errorResponses, Id, Paged, SourceParams } from '../schemas/common.js';
import {
  CreateScanBody, DbOut, DbParams, ListDbsQuery, ListPartitionsQuery, ListTablesQuery, PartitionOut, PartitionParams, ScanOut, ScanParams, TableName, TableOut, TableParams,
  UpdateDbBody, UpdateTableBody, UpdateTablesBody,
} from '../schemas/catalog.js';
import { dbOut, parseTime, partitionOut, scanOut, tableOut } from '../format.js';
import { Type } from '@sinclair/typebox';
import { mmsEncodings } from '../encodings.js';

const tags = ['Catalog'];
const SORTERS = { 'sorter.numRows': 'num_rows', 'sorter.size': 'size', 'sorter.lastDdlTime': 'last_ddl_time', 'sorter.updateTime': 'update_time' } as const;
type Order = 'asc' | 'desc';

type CommonQuery = {
  status?: string[]; updated?: boolean; dropped?: boolean; lastDdlTimeStart?: string; lastDdlTimeEnd?: string;
  pageNum?: number; pageSize?: number; 'sorter.numRows'?: Order; 'sorter.size'?: Order; 'sorter.lastDdlTime'?: Order; 'sorter.updateTime'?: Order;
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
      { preValidation: mmsEncodings, schema: { operationId: 'ListMmsDbs', tags, params: SourceParams, querystring: ListDbsQuery, response: { 200: Paged(DbOut), ...errorResponses } } },
      async (req) => {
        const a = listArgs(req.query, { name: req.query.name });
        const { source, total, rows } = await catalog.listDbs(req.params.sourceId, a.filter, a.sort, a.page, req.storeVersion);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => dbOut(source, r)), pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/dbs/:dbId',
      { schema: { operationId: 'GetMmsDb', tags, params: DbParams, response: { 200: Envelope(DbOut), ...errorResponses } } },
      async (req) => {
        const { source, row } = await catalog.getDb(req.params.sourceId, req.params.dbId);
        return { requestId: req.id, data: dbOut(source, row) };
      },
    );

    app.get(
      '/datasources/:sourceId/tables',
      { preValidation: mmsEncodings, schema: { operationId: 'ListMmsTables', tags, params: SourceParams, querystring: ListTablesQuery, response: { 200: Paged(Type.Union([TableOut, TableName])), ...errorResponses } } },
      async (req) => {
        const { dbId, dbName, name, hasPartitions, type, onlyName, dstProjectName, dstSchemaName, dstName } = req.query;
        noSchemaLevel('dstSchemaName', dstSchemaName); // no table has one: a filter on it would hide every table
        const project = await catalog.defaultProject(req.params.sourceId);
        const a = listArgs(req.query, { dbId, dbName, name, hasPartitions, destination: { project, dstProjectName, dstName } });
        // Every OpenMMS table is of type TABLE.
        if (type !== undefined && type.toUpperCase() !== 'TABLE') return { requestId: req.id, data: { total: 0, objectList: [], pageNum: a.pageNum, pageSize: a.pageSize } };
        const { source, total, rows } = await catalog.listTables(req.params.sourceId, a.filter, a.sort, a.page, req.storeVersion);
        const objectList = onlyName ? rows.map((r) => ({ id: r.id, name: r.name })) : rows.map((r) => tableOut(source, r));
        return { requestId: req.id, data: { total, objectList, pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.put(
      '/datasources/:sourceId/tables',
      { schema: { operationId: 'UpdateMmsTables', tags, params: SourceParams, body: UpdateTablesBody, response: { 200: Envelope(Type.Integer({ description: 'How many tables were updated.' })), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: await catalog.updateTables(req.params.sourceId, req.body) }),
    );

    app.put(
      '/datasources/:sourceId/tables/:tableId',
      { schema: { operationId: 'UpdateMmsTable', tags, params: TableParams, body: UpdateTableBody, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await catalog.updateTable(req.params.sourceId, req.params.tableId, req.body);
        return { requestId: req.id, data: req.params.tableId };
      },
    );

    app.put(
      '/datasources/:sourceId/dbs/:dbId',
      { schema: { operationId: 'UpdateMmsDb', tags, params: DbParams, body: UpdateDbBody, response: { 200: Envelope(Id), ...errorResponses } } },
      async (req) => {
        await catalog.updateDb(req.params.sourceId, req.params.dbId, req.body);
        return { requestId: req.id, data: req.params.dbId };
      },
    );

    app.get(
      '/datasources/:sourceId/tables/:tableId',
      { schema: { operationId: 'GetMmsTable', tags, params: TableParams, response: { 200: Envelope(TableOut), ...errorResponses } } },
      async (req) => {
        const { source, row } = await catalog.getTable(req.params.sourceId, req.params.tableId);
        return { requestId: req.id, data: tableOut(source, row) };
      },
    );

    app.get(
      '/datasources/:sourceId/partitions',
      { preValidation: mmsEncodings, schema: { operationId: 'ListMmsPartitions', tags, params: SourceParams, querystring: ListPartitionsQuery, response: { 200: Paged(PartitionOut), ...errorResponses } } },
      async (req) => {
        const { dbId, dbName, tableId, tableName, value } = req.query;
        const a = listArgs(req.query, { dbId, dbName, tableId, tableName, name: value });
        const { source, total, rows } = await catalog.listPartitions(req.params.sourceId, a.filter, a.sort, a.page, req.storeVersion);
        return { requestId: req.id, data: { total, objectList: rows.map((r) => partitionOut(source, r)), pageNum: a.pageNum, pageSize: a.pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/partitions/:partitionId',
      { schema: { operationId: 'GetMmsPartition', tags, params: PartitionParams, response: { 200: Envelope(PartitionOut), ...errorResponses } } },
      async (req) => {
        const { source, row } = await catalog.getPartition(req.params.sourceId, req.params.partitionId);
        return { requestId: req.id, data: partitionOut(source, row) };
      },
    );
  };
