import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessKeyService } from '../../src/auth/keys.js';
import { ADMINISTRATOR } from '../../src/auth/policy.js';
import { SecretBox } from '../../src/security/secrets.js';
import { openStore, type Store } from '../../src/store/store.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

describe.each(STORE_KINDS)('tokens kept between calls on the %s store', (kind) => {
  let one: TestStore;
  let other: Store;
  beforeAll(async () => {
    one = await createTestStore(kind);
    other = await openStore(one.url); // another API process's connection to the same store
  });
  afterAll(async () => {
    await other?.close();
    await one?.drop();
  });

  it('a token revoked, expired or whose key is deleted through another connection is refused at the next call', async () => {
    const keys = new AccessKeyService(one.store, new SecretBox(randomBytes(32)));
    const key = await keys.create('k', ADMINISTRATOR);
    const tokens = await Promise.all([0, 1, 2].map(() => keys.issueToken(key.accessKeyId, key.accessKeySecret)));
    for (const { token } of tokens) expect((await keys.principalForToken(token))?.accessKeyId).toBe(key.accessKeyId);
    expect(await keys.principalForToken(`${tokens[0]!.token}x`)).toBeNull();

    await other.db.updateTable('api_tokens').set({ expire_time: Date.now() - 1 }).where('hash', '=', createHash('sha256').update(tokens[0]!.token).digest('hex')).execute();
    expect(await keys.principalForToken(tokens[0]!.token)).toBeNull();
    expect((await keys.principalForToken(tokens[1]!.token))?.name).toBe('k');
    // Expiry needs no write: the time kept is checked at each call.
    expect(await keys.principalForToken(tokens[1]!.token, tokens[1]!.expireTime + 1)).toBeNull();

    await other.db.deleteFrom('api_tokens').execute();
    expect(await keys.principalForToken(tokens[1]!.token)).toBeNull();
    const again = await keys.issueToken(key.accessKeyId, key.accessKeySecret);
    expect((await keys.principalForToken(again.token))?.name).toBe('k');
    await other.db.deleteFrom('access_keys').execute();
    expect(await keys.principalForToken(again.token)).toBeNull();
  });
});
