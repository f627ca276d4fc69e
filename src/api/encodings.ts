import type { FastifyRequest } from 'fastify';
import { invalid } from '../errors.js';

/**
 * The MMS SDK's encodings of list parameters (reference §1.3), turned into the plain ones before
 * validation: `status=["DONE","FAILED"]` (one JSON array; also, as an OpenMMS addition, a comma
 * list `DONE,FAILED` or the parameter repeated) and ListMmsDbs' `sorter={"numRows":"desc"}`.
 */
export async function mmsEncodings(req: FastifyRequest): Promise<void> {
  const q = req.query as Record<string, unknown>;
  const json = (name: string, text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw invalid(`${name}: not valid JSON`);
    }
  };
  if (typeof q.status === 'string') q.status = q.status.startsWith('[') ? json('status', q.status) : q.status.includes(',') ? q.status.split(',').map((s) => s.trim()) : q.status;
  if (typeof q.sorter === 'string') {
    const sorter = json('sorter', q.sorter);
    if (typeof sorter !== 'object' || sorter === null || Array.isArray(sorter)) throw invalid('sorter: a JSON object such as {"numRows":"desc"}');
    for (const [field, order] of Object.entries(sorter)) q[`sorter.${field}`] = order;
    delete q.sorter;
  }
}
