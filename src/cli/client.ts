/** A failure the CLI reports as one line on stderr, with the exit code it stands for. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Calls the MMS API of a running server; an error envelope becomes a CliError with its message. */
export function apiClient(server: string) {
  return async function call<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${server.replace(/\/$/, '')}/api/v1/mms${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new CliError(`cannot reach the OpenMMS server at ${server}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`);
    }
    const json = (await res.json().catch(() => null)) as { data?: T; code?: string; message?: string } | null;
    if (!res.ok || !json) throw new CliError(`${json?.code ?? res.status}: ${json?.message ?? res.statusText}`);
    return json.data as T;
  };
}

export type Call = ReturnType<typeof apiClient>;
