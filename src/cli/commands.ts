import { Argument, Option, type Command } from 'commander';
import { ENGINES } from '../connectors/engines.js';
import { JOB_STATUSES, MIGRATION_STATUSES } from '../store/schema.js';
import { apiClient, CliError, EXIT, sleep, type Call } from './client.js';
import { bytes, num, print, progress } from './output.js';
import { watchJob } from './watch.js';

interface Globals {
  server: string;
  json?: boolean;
}

const id = (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < 1) throw new CliError(`'${v}' is not an id`, EXIT.usage);
  return n;
};

const jsonArg = (v: string) => {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    throw new CliError(`not valid JSON: ${v}`, EXIT.usage);
  }
};

const query = (params: Record<string, string | number | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');

interface Page<T = any> {
  total: number;
  pageNum: number;
  pageSize: number;
  objectList: T[];
}

/** `--page`/`--page-size` on a list command: the API's pageNum/pageSize. */
const paged = (cmd: Command) => cmd.option('--page <n>', 'page number, from 1', id).option('--page-size <n>', 'rows a page, at most 100', id);
const pageOf = (o: { page?: number; pageSize?: number }) => ({ pageNum: o.page ?? 1, pageSize: o.pageSize ?? 100 });

/** Says on stderr, for people, that a list has more pages than the one printed. */
function more(page: Page, json: boolean): void {
  const last = (page.pageNum - 1) * page.pageSize + page.objectList.length;
  if (!json && page.objectList.length > 0 && last < page.total) console.error(`rows ${last - page.objectList.length + 1}–${last} of ${page.total}: --page ${page.pageNum + 1} for more`);
}

/**
 * A filter that names an object (a database, a table) and matched nothing: exit 3 when the data
 * source has no object of that name, rather than an empty table that looks like "nothing in it".
 */
async function mustExist(call: Call, sourceId: number, kind: 'dbs' | 'tables', name: string): Promise<void> {
  const found: Page<{ name: string }> = await call('GET', `/datasources/${sourceId}/${kind}?${query({ name, pageSize: 100 })}`);
  if (found.total <= found.objectList.length && !found.objectList.some((o) => o.name === name)) {
    throw new CliError(`data source ${sourceId} has no ${kind === 'dbs' ? 'database' : 'table'} '${name}'`, EXIT.notFound);
  }
}

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
    .addOption(new Option('--type <type>', 'the source engine').choices(ENGINES).makeOptionMandatory())
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

  const kinds: Record<string, string> = { db: 'dbs', table: 'tables', partition: 'partitions', task: 'tasks', timer: 'timers', scan: 'scans' };
  program
    .command('get')
    .description('one object: db, table, partition, task, timer or scan')
    .argument('<sourceId>')
    .addArgument(new Argument('<kind>').choices(Object.keys(kinds)))
    .argument('<id>')
    .action(async (s: string, kind: string, objectId: string) => out(await call()('GET', `/datasources/${id(s)}/${kinds[kind]}/${id(objectId)}`)));

  /** A page of a list, printed (sizes and counts for people; `--json` keeps the raw numbers). */
  const list = async (path: string, params: Record<string, string | number | undefined>, columns: Parameters<typeof print>[2]) => {
    const page: Page = await call()('GET', `${path}?${query(params)}`);
    out(page.objectList, columns);
    more(page, globals().json ?? false);
    return page;
  };
  const catalogColumns: [string, (r: any) => unknown][] = [['status', (r) => r.status], ['updated', (r) => r.updated], ['rows', (r) => num(r.numRows)], ['size', (r) => bytes(r.size)]];
  const catalogStatus = () => new Option('--status <status>', 'only objects in this migration status').choices(MIGRATION_STATUSES);
  paged(program.command('dbs <sourceId>').description('the databases a scan found').addOption(catalogStatus())).action(async (sourceId: string, o: { status?: string; page?: number; pageSize?: number }) => {
    // ListMmsDbs takes one status as is; the table and partition lists a JSON array (the SDK's encodings).
    await list(`/datasources/${id(sourceId)}/dbs`, { ...pageOf(o), status: o.status }, [['id', (d) => d.id], ['name', (d) => d.name], ['tables', (d) => d.tableNum], ...catalogColumns]);
  });
  paged(program.command('tables <sourceId>').description('the tables a scan found').option('--db <name>', 'only the tables of this database').addOption(catalogStatus())).action(async (sourceId: string, o: { db?: string; status?: string; page?: number; pageSize?: number }) => {
    const page = await list(`/datasources/${id(sourceId)}/tables`, { ...pageOf(o), dbName: o.db, status: o.status && JSON.stringify([o.status]) }, [['id', (t) => t.id], ['db', (t) => t.dbName], ['name', (t) => t.name], ['partitions', (t) => t.partitionNum], ...catalogColumns]);
    if (page.total === 0 && o.db !== undefined) await mustExist(call(), id(sourceId), 'dbs', o.db);
  });
  paged(program.command('partitions <sourceId>').description('the partitions a scan found').option('--table <name>', 'only the partitions of this table').addOption(catalogStatus())).action(async (sourceId: string, o: { table?: string; status?: string; page?: number; pageSize?: number }) => {
    const page = await list(`/datasources/${id(sourceId)}/partitions`, { ...pageOf(o), tableName: o.table, status: o.status && JSON.stringify([o.status]) }, [['id', (p) => p.id], ['table', (p) => p.tableName], ['value', (p) => p.value], ...catalogColumns]);
    if (page.total === 0 && o.table !== undefined) await mustExist(call(), id(sourceId), 'tables', o.table);
  });

  const jobs = program.command('jobs').description('migration jobs');
  const jobColumns: [string, (j: any) => unknown][] = [['id', (j) => j.id], ['name', (j) => j.name], ['type', (j) => j.type], ['db', (j) => `${j.srcDbName} → ${j.dstDbName}`], ['status', (j) => `${j.status}${j.stopped ? ' (stopped)' : ''}`], ['tasks', (j) => `${j.taskDone}/${j.taskNum}`], ['created', (j) => j.createTime]];
  // ListMmsJobs' filters, each an option.
  paged(
    jobs
      .command('list <sourceId>')
      .description('the jobs of a data source, newest first')
      .addOption(new Option('--status <status>', 'jobs in this status').choices(JOB_STATUSES))
      .option('--name <text>', 'jobs whose name contains this text')
      .option('--src-db <name>', 'jobs reading this source database')
      .option('--src-table <name>', 'jobs reading this source table')
      .option('--dst-db <name>', 'jobs writing this destination database')
      .option('--dst-table <name>', 'jobs writing this destination table')
      .option('--stopped', 'only stopped jobs')
      .option('--running', 'only jobs not stopped')
      .option('--timer <id>', 'jobs this timer created', id)
      .addOption(new Option('--sort-status <order>', 'order by status').choices(['asc', 'desc'])),
  ).action(async (sourceId: string, o: { status?: string; name?: string; srcDb?: string; srcTable?: string; dstDb?: string; dstTable?: string; stopped?: boolean; running?: boolean; timer?: number; sortStatus?: string; page?: number; pageSize?: number }) => {
    if (o.stopped && o.running) throw new CliError('--stopped and --running exclude each other', EXIT.usage);
    const stopped = o.stopped ? 1 : o.running ? 0 : undefined;
    await list(`/datasources/${id(sourceId)}/jobs`, { ...pageOf(o), status: o.status, name: o.name, srcDbName: o.srcDb, srcTableName: o.srcTable, dstDbName: o.dstDb, dstTableName: o.dstTable, stopped, timerId: o.timer, 'sorter.status': o.sortStatus }, jobColumns);
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

  paged(program.command('tasks <sourceId>').description('the tasks of a data source, or of one job').option('--job <jobId>', 'only the tasks of this job', id)).action(async (s: string, o: { job?: number; page?: number; pageSize?: number }) => {
    const page = await list(`/datasources/${id(s)}/tasks`, { ...pageOf(o), jobId: o.job }, [['id', (t) => t.id], ['job', (t) => t.jobId], ['table', (t) => `${t.srcTableName} → ${t.dstTableName}`], ['status', (t) => t.status], ['partitions', (t) => `${t.partitionDone}/${t.partitionNum}`], ['rows', (t) => num(t.rows)], ['size', (t) => bytes(t.bytes)], ['error', (t) => t.errMsg]]);
    // No tasks for a job that does not exist: GetMmsJob says so (exit 3).
    if (page.total === 0 && o.job !== undefined) await call()('GET', `/datasources/${id(s)}/jobs/${o.job}`);
  });
  program.command('logs <sourceId> <taskId>').action(async (s: string, t: string) => {
    out(await call()('GET', `/datasources/${id(s)}/tasks/${id(t)}/logs`), [['time', (l) => l.time], ['level', (l) => l.level], ['message', (l) => l.message]]);
  });

  const timerType = () => new Option('--type <type>', 'how the value reads').choices(['Daily', 'Hourly', 'Cron']);
  const timers = program.command('timers').description('schedules that create a job from a template at each tick');
  paged(timers.command('list <sourceId>')).action(async (s: string, o: { page?: number; pageSize?: number }) => {
    await list(`/datasources/${id(s)}/timers`, pageOf(o), [['id', (t) => t.id], ['name', (t) => t.name], ['schedule', (t) => `${t.scheduleType} ${t.value} ${t.timezone}`], ['stopped', (t) => t.stopped], ['last tick', (t) => t.lastTick]]);
  });
  timers
    .command('create <sourceId>')
    .addOption(timerType().makeOptionMandatory())
    .requiredOption('--value <value>', 'HH:MM, MM or a cron expression')
    .option('--timezone <tz>', 'IANA time zone', 'UTC')
    .option('--body <json>', 'the job template, as CreateMmsTimer takes it: {"name", "srcDbName", "tables", …}', jsonArg, {})
    .action(async (s: string, o: { type: string; value: string; timezone: string; body: object }) => {
      const { timerId } = await call()('POST', `/datasources/${id(s)}/timers`, { ...o.body, scheduleType: o.type, value: o.value, timezone: o.timezone });
      out(globals().json ? { timerId } : `timer ${timerId} created`);
    });
  timers
    .command('update <sourceId> <timerId>')
    .addOption(timerType())
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
