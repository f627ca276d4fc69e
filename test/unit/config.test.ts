import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('service settings', () => {
  it('take OPENMMS_LEASE_SECONDS in whole seconds from 3 to 600, and refuse anything else by name', () => {
    expect(loadConfig({}).leaseMs).toBe(15_000);
    expect(loadConfig({ OPENMMS_LEASE_SECONDS: '6' }).leaseMs).toBe(6_000);
    for (const bad of ['2', '601', '1.5', 'ten', ''])
      expect(() => loadConfig({ OPENMMS_LEASE_SECONDS: bad }), bad).toThrow(`invalid OPENMMS_LEASE_SECONDS: ${bad} (whole seconds, from 3 to 600)`);
  });
});
