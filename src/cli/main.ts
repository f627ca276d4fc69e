#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config.js';
import { registerApiCommands } from './commands.js';
import { CliError, EXIT } from './client.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { terminalSafe } from './output.js';

// src/cli/main.ts and dist/cli/main.js are both two folders below the package's root.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return n;
};

const concurrency = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('from 1 to 64');
  return n;
};

const logFormat = () => new Option('--log-format <format>', 'pretty (default on a terminal) or json (default elsewhere) (env OPENMMS_LOG_FORMAT)').choices(['pretty', 'json']);

const program = new Command('mms')
  .description('OpenMMS: a self-hosted, MMS-compatible data-migration service')
  .version(version, '-v, --version', 'print the version of OpenMMS')
  // Commander's own errors (an unknown option, a bad choice) are usage errors: exit code 2, as ours.
  .exitOverride()
  .option('--server <url>', 'the server the API commands talk to (env OPENMMS_SERVER)', process.env.OPENMMS_SERVER ?? 'http://127.0.0.1:8080')
  .option('--json', 'print JSON for scripts instead of tables');

program
  .command('serve')
  .description('run the API server (embedded SQLite store unless --store-url names PostgreSQL)')
  .option('--host <host>', 'interface to listen on (env OPENMMS_HOST, default 127.0.0.1)')
  .option('--port <port>', 'port to listen on, 0 for any free port (env OPENMMS_PORT, default 8080)', port)
  .option('--data-dir <dir>', 'folder for the embedded store and key (env OPENMMS_DATA_DIR, default ./data)')
  .option('--store-url <url>', 'metadata store: sqlite:<file> or postgres://… (env OPENMMS_STORE_URL)')
  .option('--concurrency <n>', 'tasks the embedded runner copies at once (env OPENMMS_CONCURRENCY, default 4)', concurrency)
  .option('--no-auth', 'answer API calls without credentials (env OPENMMS_AUTH=off; only on a machine of your own)')
  .option('--demo', 'on first start, register a sample partitioned source and migrate it to the embedded DuckDB')
  .addOption(logFormat())
  .action(async (opts: { host?: string; port?: number; dataDir?: string; storeUrl?: string; concurrency?: number; auth: boolean; demo?: boolean; logFormat?: string }) => {
    const config = loadConfig(process.env, { ...opts, auth: opts.auth === false ? false : undefined });
    // Loaded here, not at the top: the API commands start in a fraction of the time without the server's modules.
    const { startServer } = await import('../server.js');
    const { app, adminKeyFile, sandbox } = await startServer(config);
    const { port } = app.server.address() as { port: number };
    const base = `http://${config.host}:${port}`;
    console.log(`OpenMMS listening at ${base} (store: ${config.storeUrl.replace(/\/\/[^@/]*@/, '//…@')})`);
    if (adminKeyFile) console.log(`First start: the administrator's access key is in ${adminKeyFile} (readable by you only); the mms command finds it there`);
    if (!config.auth) console.log('Authentication is off: anyone who reaches this port can use the API');
    if (opts.demo) {
      const { runDemo } = await import('../demo.js');
      const { id, destination, done } = await runDemo(app, sandbox);
      console.log(`Demo: data source "demo" (a Parquet lake) migrates into ${destination}; watch it in the console at ${base}/ or with\n  mms --server ${base} jobs list ${id}`);
      // The demo's last word: what moved, where it is, how to look at it.
      done?.then(
        (o) =>
          console.log(
            o.status === 'DONE'
              ? `Demo DONE: ${o.rows.toLocaleString('en-US')} rows in ${o.partitions} partitions copied and verified into table ${o.tables.join(', ')} of ${destination}; see job ${o.jobId} at ${base}/#/sources/${id}/jobs/${o.jobId} or with: mms --server ${base} tasks ${id} --job ${o.jobId}`
              : `Demo FAILED: ${o.errMsg}; see job ${o.jobId} at ${base}/#/sources/${id}/jobs/${o.jobId}`,
          ),
        (err: Error) => console.log(`Demo FAILED: ${err.message}`),
      );
    }
    const stop = async () => {
      await app.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('demo')
  .description('serve on the embedded store and migrate a sample partitioned source into the embedded DuckDB (same as serve --demo)')
  .option('--port <port>', 'port to listen on', port)
  .option('--data-dir <dir>', 'folder for the embedded store, the sample lake and the DuckDB destination')
  .action(async (opts: { port?: number; dataDir?: string }) => {
    await program.parseAsync(['serve', '--demo', ...(opts.port !== undefined ? ['--port', String(opts.port)] : []), ...(opts.dataDir ? ['--data-dir', opts.dataDir] : [])], { from: 'user' });
  });

program
  .command('worker')
  .description('run a cluster worker: takes tasks from the queue in the PostgreSQL store (needs OPENMMS_SECRET_KEY)')
  .option('--store-url <url>', 'the PostgreSQL metadata store, as the API processes use it (env OPENMMS_STORE_URL)')
  .option('--data-dir <dir>', 'the data folder the API processes use: private destinations, and the default file root <dir>/files (env OPENMMS_DATA_DIR)')
  .option('--concurrency <n>', 'tasks copied at once (env OPENMMS_CONCURRENCY, default 4)', concurrency)
  .option('--metrics-port <port>', 'serve Prometheus metrics of this worker at http://<host>:<port>/metrics', port)
  .option('--host <host>', 'address the metrics listen on (env OPENMMS_HOST)')
  .addOption(logFormat())
  .action(async (opts: { storeUrl?: string; dataDir?: string; host?: string; concurrency?: number; metricsPort?: number; logFormat?: string }) => {
    const config = loadConfig(process.env, opts);
    const { startWorker } = await import('../cluster/start-worker.js');
    const { worker, metricsUrl } = await startWorker(config, opts.metricsPort === undefined ? null : { host: config.host, port: opts.metricsPort });
    console.log(`OpenMMS worker ${worker.id} taking tasks${metricsUrl ? `; metrics at ${metricsUrl}` : ''}`);
  });

registerApiCommands(program);

program
  .command('completion')
  .description('print a completion script: source <(mms completion bash), source <(mms completion zsh), mms completion fish | source')
  .addArgument(new Argument('<shell>').choices(SHELLS))
  .action((shell: Shell) => {
    process.stdout.write(completionScript(program, shell));
  });

program.parseAsync().catch((err: unknown) => {
  // Commander printed its own message (or the help, or the version) already.
  if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : EXIT.usage);
  // Lines of our own (a failed job's tasks), each as a terminal may show it.
  console.error(`mms: ${(err instanceof Error ? err.message : String(err)).split('\n').map(terminalSafe).join('\n')}`);
  process.exit(err instanceof CliError ? err.exitCode : EXIT.failed);
});
