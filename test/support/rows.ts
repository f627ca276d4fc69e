import type { Row } from '../../src/connectors/data.js';

/** All rows of a reader's batches. */
export async function collect(batches: AsyncIterable<Row[]>): Promise<Row[]> {
  const out: Row[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}
