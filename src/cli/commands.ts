import type { Command } from 'commander';
import { apiClient, CliError, sleep } from './client.js';
import { print, progress } from './output.js';
import { watchJob } from './watch.js';

interface Globals {
  server: string;
  json?: boolean;
}

const id = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`'${v}' is not an id`, 2);
  return n;
};

const jsonArg = (v: string) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new CliError(`not valid JSON: ${v}`, 2);
  }
};

/** The API operations as `mms` subcommands (they talk to a running server, `--server`). */
export function registerApiCommands(program: Command): void {
  const globals = (): Globals => program.opts<Globals>();
  const call = () => apiClient(globals().server);
  const out = (data: unknown, columns?: Parameters<typeof print>[2]) => print(globals().json ?? false, data, columns);

  const sources = program.command('sources').description('data sources');
  sources.command('list').action(async () => {
    out((await call()('GET', '/datasources')).objectList, [['id', (d) => d.id], ['name', (d) => d.name], ['type', (d) => d.type], ['destination', (d) => `${d.dstType} ${d.dstProject}`], ['dbs', (d) => d.dbNum], ['tables', (d) => d.tableNum], ['partitions', (d) => d.partitionNum], ['scanned', (d) => d.lastUpdateTime]]);
  });
  sources.command('get <id>').action(async (sourceId: string) => out(await call()('GET', `/datasources/${id(sourceId)}?withConfig=true`)));
  sources
    .command('create')
    .description('register a data source (its connections are tested first)')
    .requiredOption('--name <name>')
    .requiredOption('--type <type>', 'POSTGRESQL, MYSQL, SQLITE, DUCKDB or LAKE')
    .requiredOption('--config <json>', '{"source": {...}, "destination": {...}}', jsonArg)
    .action(async (o: { name: string; type: string; config: unknown }) => {
      const { dataSourceId } = await call()('POST', '/datasources', { name: o.name, type: o.type, config: o.config });
      out(globals().json ? { dataSourceId } : `data source ${dataSourceId} created`);
    });
  sources
    .command('update <id>')
    .description('rename, or replace a connection (a password left out is kept)')
    .option('--name <name>')
    .option('--config <json>', '{"source": {...}} and/or {"destination": {...}}', jsonArg)
    .action(async (sourceId: string, o: { name?: string; config?: unknown }) => {
      await call()('PUT', `/datasources/${id(sourceId)}`, { ...(o.name && { name: o.name }), ...(o.config !== undefined && { config: o.config }) });
      out(`data source ${sourceId} updated`);
    });
  sources.command('delete <id>').action(async (sourceId: string) => out(`data source ${await call()('DELETE', `/datasources/${id(sourceId)}`)} deleted`));

  program
    .command('scan <sourceId>')
    .description('scan the metadata of a data source, and wait for it')
    .option('--db <name>', 'only this database')
    .option('--no-wait', 'return once the scan is started')
    .action(async (sourceId: string, o: { db?: string; wait: boolean }) => {
      const c = call();
      const { scanId } = await c('POST', `/datasources/${id(sourceId)}/scans`, o.db ? { dbName: o.db } : undefined);
      for (let scan = await c('GET', `/datasources/${sourceId}/scans/${scanId}`); ; scan = await c('GET', `/datasources/${sourceId}/scans/${scanId}`)) {
        if (!globals().json) progress(`scan ${scanId} ${scan.status}`, scan.progress, 10_000);
        if (!o.wait || scan.status === 'DONE' || scan.status === 'FAILED') {
          if (!globals().json && process.stdout.isTTY) process.stdout.write('\n');
          if (scan.status === 'FAILED') throw new CliError(`scan ${scanId} FAILED: ${scan.errMsg}`);
          out(globals().json ? scan : `scan ${scanId} ${scan.status}${scan.summary ? `: ${scan.summary.added} added, ${scan.summary.updated} updated, ${scan.summary.dropped} dropped` : ''}`);
          return;
        }
        await sleep(300);
      }
    });

  program
    .command('get <sourceId> <kind> <id>')
    .description('one object: db, table, partition, task, timer or scan')
    .action(async (s: string, kind: string, objectId: string) => {
      const paths: Record<string, string> = { db: 'dbs', table: 'tables', partition: 'partitions', task: 'tasks', timer: 'timers', scan: 'scans' };
      if (!paths[kind]) throw new CliError(`'${kind}' is not one of: ${Object.keys(paths).join(', ')}`, 2);
      out(await call()('GET', `/datasources/${id(s)}/${paths[kind]}/${id(objectId)}`));
    });

  const catalogColumns: [string, (r: any) => unknown][] = [['status', (r) => r.status], ['updated', (r) => r.updated], ['rows', (r) => r.numRows], ['bytes', (r) => r.size]];
  program.command('dbs <sourceId>').action(async (sourceId: string) => {
    out((await call()('GET', `/datasources/${id(sourceId)}/dbs?pageSize=100`)).objectList, [['id', (d) => d.id], ['name', (d) => d.name], ['tables', (d) => d.tableNum], ...catalogColumns]);
  });
  program
    .command('tables <sourceId>')
    .option('--db <name>')
    .action(async (sourceId: string, o: { db?: string }) => {
      const q = o.db ? `&dbName=${encodeURIComponent(o.db)}` : '';
      out((await call()('GET', `/datasources/${id(sourceId)}/tables?pageSize=100${q}`)).objectList, [['id', (t) => t.id], ['db', (t) => t.dbName], ['name', (t) => t.name], ['partitions', (t) => t.partitionNum], ...catalogColumns]);
    });
  program
    .command('partitions <sourceId>')
    .option('--table <name>')
    .option('--status <status>')
    .action(async (sourceId: string, o: { table?: string; status?: string }) => {
      const q = `${o.table ? `&tableName=${encodeURIComponent(o.table)}` : ''}${o.status ? `&status=${encodeURIComponent(o.status)}` : ''}`;
      out((await call()('GET', `/datasources/${id(sourceId)}/partitions?pageSize=100${q}`)).objectList, [['id', (p) => p.id], ['table', (p) => p.tableName], ['value', (p) => p.value], ...catalogColumns]);
    });

  const jobs = program.command('jobs').description('migration jobs');
  const jobColumns: [string, (j: any) => unknown][] = [['id', (j) => j.id], ['name', (j) => j.name], ['type', (j) => j.type], ['db', (j) => `${j.srcDbName} → ${j.dstDbName}`], ['status', (j) => `${j.status}${j.stopped ? ' (stopped)' : ''}`], ['tasks', (j) => `${j.taskDone}/${j.taskNum}`], ['created', (j) => j.createTime]];
  jobs
    .command('list <sourceId>')
    .option('--status <status>')
    .option('--name <text>')
    .action(async (sourceId: string, o: { status?: string; name?: string }) => {
      const q = `${o.status ? `&status=${encodeURIComponent(o.status)}` : ''}${o.name ? `&name=${encodeURIComponent(o.name)}` : ''}`;
      out((await call()('GET', `/datasources/${id(sourceId)}/jobs?pageSize=100${q}`)).objectList, jobColumns);
    });
  jobs.command('get <sourceId> <jobId>').action(async (s: string, j: string) => out(await call()('GET', `/datasources/${id(s)}/jobs/${id(j)}`), jobColumns));
  jobs
    .command('create <sourceId>')
    .description('create a job from a CreateMmsJob body')
    .requiredOption('--body <json>', '{"name": …, "srcDbName": …, …}', jsonArg)
    .option('--watch', 'follow it until it ends')
    .action(async (s: string, o: { body: unknown; watch?: boolean }) => {
      const { jobId } = await call()('POST', `/datasources/${id(s)}/jobs`, o.body);
      if (!o.watch) return out(globals().json ? { jobId } : `job ${jobId} created`);
      await watchJob(call(), globals().json ?? false, id(s), jobId);
    });
  for (const action of ['start', 'stop', 'retry'] as const) {
    jobs
      .command(`${action} <sourceId> <jobId>`)
      .option('--watch', 'follow it until it ends')
      .action(async (s: string, j: string, o: { watch?: boolean }) => {
        await call()('POST', `/datasources/${id(s)}/jobs/${id(j)}/${action}`);
        if (o.watch) await watchJob(call(), globals().json ?? false, id(s), id(j));
        else out(`job ${j}: ${action} accepted`);
      });
  }
  jobs.command('delete <sourceId> <jobId>').action(async (s: string, j: string) => out(`job ${await call()('DELETE', `/datasources/${id(s)}/jobs/${id(j)}`)} deleted`));
  jobs.command('watch <sourceId> <jobId>').description('follow a job until it ends: its progress, its speed now and over time, each table').action(async (s: string, j: string) => watchJob(call(), globals().json ?? false, id(s), id(j)));

  program
    .command('tasks <sourceId>')
    .option('--job <jobId>')
    .action(async (s: string, o: { job?: string }) => {
      out((await call()('GET', `/datasources/${id(s)}/tasks?pageSize=100${o.job ? `&jobId=${id(o.job)}` : ''}`)).objectList, [['id', (t) => t.id], ['job', (t) => t.jobId], ['table', (t) => `${t.srcTableName} → ${t.dstTableName}`], ['status', (t) => t.status], ['partitions', (t) => `${t.partitionDone}/${t.partitionNum}`], ['rows', (t) => t.rows], ['error', (t) => t.errMsg]]);
    });
  program.command('logs <sourceId> <taskId>').action(async (s: string, t: string) => {
    out(await call()('GET', `/datasources/${id(s)}/tasks/${id(t)}/logs`), [['time', (l) => l.time], ['level', (l) => l.level], ['message', (l) => l.message]]);
  });

  const timers = program.command('timers').description('schedules that create a job from a template at each tick');
  timers.command('list <sourceId>').action(async (s: string) => {
    out((await call()('GET', `/datasources/${id(s)}/timers?pageSize=100`)).objectList, [['id', (t) => t.id], ['name', (t) => t.name], ['schedule', (t) => `${t.scheduleType} ${t.value} ${t.timezone}`], ['stopped', (t) => t.stopped], ['last tick', (t) => t.lastTick]]);
  });
  timers
    .command('create <sourceId>')
    .requiredOption('--type <type>', 'Daily, Hourly or Cron')
    .requiredOption('--value <value>', 'HH:MM, MM or a cron expression')
    .option('--timezone <tz>', 'IANA time zone', 'UTC')
    .option('--body <json>', 'the job template, as CreateMmsTimer takes it: {"name", "srcDbName", "tables", …}', (v) => JSON.parse(v), {})
    .action(async (s: string, o: { type: string; value: string; timezone: string; body: object }) => {
      const { timerId } = await call()('POST', `/datasources/${id(s)}/timers`, { ...o.body, scheduleType: o.type, value: o.value, timezone: o.timezone });
      out(globals().json ? { timerId } : `timer ${timerId} created`);
    });
  timers
    .command('update <sourceId> <timerId>')
    .option('--type <type>', 'Daily, Hourly or Cron')
    .option('--value <value>')
    .option('--timezone <tz>')
    .option('--stop', 'hold the timer')
    .option('--resume', 'release the hold')
    .action(async (s: string, t: string, o: { type?: string; value?: string; timezone?: string; stop?: boolean; resume?: boolean }) => {
      const stopped = o.stop ? true : o.resume ? false : undefined;
      await call()('PUT', `/datasources/${id(s)}/timers/${id(t)}`, { ...(o.type && { scheduleType: o.type }), ...(o.value && { value: o.value }), ...(o.timezone && { timezone: o.timezone }), ...(stopped !== undefined && { stopped }) });
      out(`timer ${t} updated`);
    });
  timers.command('trigger <sourceId> <timerId>').description('fire now: create its job').action(async (s: string, t: string) => out(`timer ${await call()('POST', `/datasources/${id(s)}/timers/${id(t)}/trigger`)} fired`));
  timers.command('logs <sourceId> <timerId>').action(async (s: string, t: string) => {
    out((await call()('GET', `/datasources/${id(s)}/timers/${id(t)}/logs?pageSize=100`)).objectList, [['time', (l) => l.createTime], ['job', (l) => l.jobId], ['status', (l) => l.status], ['action', (l) => l.action], ['message', (l) => l.msg]]);
  });
  timers.command('delete <sourceId> <timerId>').action(async (s: string, t: string) => out(`timer ${await call()('DELETE', `/datasources/${id(s)}/timers/${id(t)}`)} deleted`));
}
