import type { Store } from '../store/store.js';
import type { SecretBox } from './secrets.js';

/**
 * Key rotation, second half: every value still sealed with a retired key is opened and sealed
 * again with the current one (connection passwords, access key secrets), each row compare-and-set
 * so processes starting together do not trip over each other. Returns how many were re-sealed.
 */
export async function resealSecrets(store: Store, box: SecretBox): Promise<number> {
  let n = 0;
  const sources = await store.db.selectFrom('datasources').select(['id', 'secrets']).execute();
  for (const row of sources.filter((r) => box.isStale(r.secrets))) {
    const r = await store.db.updateTable('datasources').set({ secrets: box.seal(box.open(row.secrets)) }).where('id', '=', row.id).where('secrets', '=', row.secrets).executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  const keys = await store.db.selectFrom('access_keys').select(['id', 'secret']).execute();
  for (const row of keys.filter((r) => box.isStale(r.secret))) {
    const r = await store.db.updateTable('access_keys').set({ secret: box.seal(box.open(row.secret)) }).where('id', '=', row.id).where('secret', '=', row.secret).executeTakeFirst();
    n += Number(r.numUpdatedRows);
  }
  return n;
}
