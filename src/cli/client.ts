import { authedFetch, credentialsFromEnv } from '../auth/credentials.js';
import { terminalSafe } from './output.js';

/** A failure the CLI reports as one line on stderr, with the exit code it stands for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

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
      throw new CliError(`cannot read the credentials: ${(err as Error).message}`);
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
    if (!res.ok || !json) throw new CliError(terminalSafe(`${json?.code ?? res.status}: ${json?.message ?? res.statusText}`));
    return json.data as T;
  };
}

export type Call = ReturnType<typeof apiClient>;
