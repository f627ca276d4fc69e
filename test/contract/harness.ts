import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { TestApi } from '../support/api.js';
import { TEST_ADMIN } from '../support/auth.js';
import { modelProblems, type Model } from './models.js';
import { sdkClient, type Scheme, type SdkCall, type SdkResponse } from './sdk-client.js';

/** A service listening on a local port, and a client that calls it as the SDK would. */
export async function contractApi(dataDir: string, scheme: Scheme, options: Parameters<typeof TestApi.start>[2] = {}): Promise<{ api: TestApi; call: SdkCall }> {
  const api = await TestApi.start('sqlite', dataDir, { runJobs: true, ...options });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, call: sdkClient(`http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`, TEST_ADMIN, scheme) };
}

/** The `data` of a 200 envelope. */
export function ok(res: SdkResponse) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(typeof res.body.requestId).toBe('string');
  return res.body.data;
}

/** Every field of the model present, each castable as the SDK casts it. */
export const conforms = (value: unknown, model: Model, where: string) => expect(modelProblems(value, model, where)).toEqual([]);
