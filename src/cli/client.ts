import { authedFetch, credentialsFromEnv, credentialsLookedFor } from '../auth/credentials.js';
import { terminalSafe } from './output.js';

/** The exit codes of `mms` (README, "The command line"). */
export const EXIT = {
  /** The call failed: an error from the server, a job or scan that ended FAILED, no server to reach. */
  failed: 1,
  /** The command line is malformed: an unknown command or option, a bad id, JSON or choice. */
  usage: 2,
  /** What the command names does not exist: an id, a database or table given as a filter. */
  notFound: 3,
  /** No credentials, or credentials the server refuses (401, 403). */
  refused: 4,
} as const;

/** A failure the CLI reports as one line on stderr, with the exit code it stands for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
  }
}

const exitFor = (status: number) => (status === 404 ? EXIT.notFound : status === 401 || status === 403 ? EXIT.refused : EXIT.failed);

/** Between two polls of a server. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Calls the MMS API of a running server with the credentials of the environment (see
 * credentialsFromEnv); an error envelope becomes a CliError with its message.
 */
export function apiClient(server: string, env: NodeJS.ProcessEnv = process.env) {
  let send: ReturnType<typeof authedFetch> | undefined;
  return async function call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      send ??= authedFetch(credentialsFromEnv(env));
    } catch (err) {
      throw new CliError(`cannot read the credentials: ${(err as Error).message}`, EXIT.refused);
    }
    try {
      res = await send(`${server.replace(/\/$/, '')}/api/v1/mms${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliError(`cannot reach the OpenMMS server at ${server}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const json = (await res.json().catch(() => null)) as { data?: T; code?: string; message?: string } | null;
    if (!res.ok || !json) {
      // A server that wants credentials the CLI did not find: say where it looked and what to set.
      const hint = res.status === 401 ? `\n${credentialsLookedFor(env)}` : '';
      throw new CliError(`${terminalSafe(`${json?.code ?? res.status}: ${json?.message ?? res.statusText}`)}${hint}`, exitFor(res.status));
    }
    return json.data as T;
  };
}

export type Call = ReturnType<typeof apiClient>;
