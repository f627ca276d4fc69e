/**
 * An error a caller can act on: it carries the HTTP status and the MMS-style error code
 * the API answers with. Anything else that escapes is an internal error (500).
 */
export class MmsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MmsError';
  }
}

export const invalid = (message: string) => new MmsError(400, 'InvalidParameter', message);
export const notFound = (what: string, id: number | string) => new MmsError(404, `${what}NotFound`, `${what} ${id} does not exist`);
export const conflict = (message: string) => new MmsError(409, 'Conflict', message);
