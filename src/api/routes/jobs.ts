import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { mmsEncodings } from '../encodings.js';
import type { JobService } from '../../jobs/service.js';
import { allowedActions, type JobAction } from '../../jobs/lifecycle.js';
import { Envelope, errorResponses, Id, JobParams, Paged, SourceParams } from '../schemas/common.js';
import { CreateJobBody, JobCreatedOut, JobOut, JobActionsOut, JobPreviewOut, JobThroughputOut, ListJobsQuery } from '../schemas/job.js';
import type { Store } from '../../store/store.js';
import { recordAsyncTask } from '../../store/async-tasks.js';
import { jobOut, throughputOut } from '../format.js';
import { paging } from '../paging.js';
import { sharesWith } from '../auth.js';

const tags = ['Jobs'];

export const jobRoutes =
  (service: JobService, store: Store): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/datasources/:sourceId/jobs',
      { schema: { operationId: 'CreateMmsJob', tags, params: SourceParams, body: CreateJobBody, response: { 200: Envelope(JobCreatedOut), ...errorResponses } } },
      async (req) => {
        const jobId = await service.create(req.params.sourceId, req.body, sharesWith(req));
        const asyncTaskId = await recordAsyncTask(store.db, { sourceId: req.params.sourceId, type: 'TASK_CREATE', objectId: jobId });
        return { requestId: req.id, data: { asyncTaskId, jobId } };
      },
    );

    app.post(
      '/datasources/:sourceId/jobs/preview',
      {
        schema: {
          operationId: 'PreviewMmsJob',
          tags,
          description: 'OpenMMS addition: checks a CreateMmsJob body and tells what the job would cover, without creating it.',
          params: SourceParams,
          body: CreateJobBody,
          response: { 200: Envelope(JobPreviewOut), ...errorResponses },
        },
      },
      async (req) => ({ requestId: req.id, data: await service.preview(req.params.sourceId, req.body) }),
    );

    app.get(
      '/datasources/:sourceId/jobs',
      { preValidation: mmsEncodings, schema: { operationId: 'ListMmsJobs', tags, params: SourceParams, querystring: ListJobsQuery, response: { 200: Paged(JobOut), ...errorResponses } } },
      async (req) => {
        const { pageNum: _n, pageSize: _s, stopped, 'sorter.status': statusOrder, ...filter } = req.query;
        const { pageNum, pageSize, page } = paging(req.query);
        const { total, rows } = await service.list(
          req.params.sourceId,
          { ...filter, ...(stopped !== undefined && { stopped: stopped === '1' || stopped === 'true' }) },
          page,
          statusOrder,
          req.storeVersion,
        );
        return { requestId: req.id, data: { total, objectList: rows.map(jobOut), pageNum, pageSize } };
      },
    );

    app.get(
      '/datasources/:sourceId/jobs/:jobId',
      { schema: { operationId: 'GetMmsJob', tags, params: JobParams, response: { 200: Envelope(JobOut), ...errorResponses } } },
      async (req) => ({ requestId: req.id, data: jobOut(await service.get(req.params.sourceId, req.params.jobId)) }),
    );

    app.get(
      '/datasources/:sourceId/jobs/:jobId/throughput',
      {
        config: { action: 'odps:GetMmsJob' },
        schema: {
          operationId: 'GetMmsJobThroughput',
          tags,
          description: "OpenMMS addition: rows and bytes per second of the job's latest run, over time and per task (RAM action odps:GetMmsJob).",
          params: JobParams,
          response: { 200: Envelope(JobThroughputOut), ...errorResponses },
        },
      },
      async (req) => {
        const { job, throughput } = await service.throughput(req.params.sourceId, req.params.jobId);
        return { requestId: req.id, data: throughputOut(throughput, job.stopped === 0 && job.status !== 'DONE' && job.status !== 'FAILED') };
      },
    );

    app.get(
      '/datasources/:sourceId/jobs/:jobId/actions',
      {
        config: { action: 'odps:GetMmsJob' },
        schema: {
          operationId: 'GetMmsJobActions',
          tags,
          description: 'OpenMMS addition: the job lifecycle actions the job takes now, and why not the others (RAM action odps:GetMmsJob).',
          params: JobParams,
          response: { 200: Envelope(JobActionsOut), ...errorResponses },
        },
      },
      async (req) => {
        const job = await service.get(req.params.sourceId, req.params.jobId);
        return { requestId: req.id, data: allowedActions(job.id, { status: job.status, stopped: job.stopped === 1 }) };
      },
    );

    // MMS deletes a job with POST (reference §3.4); DELETE stays as an OpenMMS addition, the same RAM action.
    for (const [method, operationId, description] of [
      ['POST', 'DeleteMmsJob', undefined],
      ['DELETE', 'DeleteMmsJobByDelete', 'OpenMMS addition: DeleteMmsJob with the DELETE method (RAM action odps:DeleteMmsJob).'],
    ] as const) {
      app.route({
        method,
        url: '/datasources/:sourceId/jobs/:jobId',
        config: { action: 'odps:DeleteMmsJob' },
        schema: { operationId, tags, ...(description && { description }), params: JobParams, response: { 200: Envelope(Id), ...errorResponses } },
        handler: async (req) => {
          await service.act(req.params.sourceId, req.params.jobId, 'delete');
          return { requestId: req.id, data: req.params.jobId };
        },
      });
    }

    const actions: [JobAction, string][] = [['start', 'StartMmsJob'], ['stop', 'StopMmsJob'], ['retry', 'RetryMmsJob']];
    for (const [action, operationId] of actions) {
      app.post(
        `/datasources/:sourceId/jobs/:jobId/${action}`,
        { schema: { operationId, tags, params: JobParams, response: { 200: Envelope(Id), ...errorResponses } } },
        async (req) => {
          await service.act(req.params.sourceId, req.params.jobId, action);
          // MMS stops a job through a STOP_JOB async task; OpenMMS stops it within the call and records one.
          if (action === 'stop') await recordAsyncTask(store.db, { sourceId: req.params.sourceId, type: 'STOP_JOB', objectId: req.params.jobId });
          return { requestId: req.id, data: req.params.jobId };
        },
      );
    }
  };
