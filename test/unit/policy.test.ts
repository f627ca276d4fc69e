import { describe, expect, it } from 'vitest';
import { allowedSources, allows, type Policy } from '../../src/auth/policy.js';

describe("policies name data sources in OpenMMS's form or MMS's ARNs", () => {
  const arn: Policy = {
    statements: [
      { effect: 'Allow', actions: ['odps:*Mms*'], resources: ['acs:odps:*:*:mmsdatasource/3', 'acs:odps:cn-shanghai:1234:mmsdatasource/4'] },
      { effect: 'Deny', actions: ['odps:DeleteMmsJob'], resources: ['acs:odps:*:*:mmsdatasource/*'] },
    ],
  };

  it('matches an ARN by its data source id, whatever region and account it names', () => {
    expect(allows(arn, 'odps:ListMmsJobs', 'datasource/3')).toBe(true);
    expect(allows(arn, 'odps:ListMmsJobs', 'datasource/4')).toBe(true);
    expect(allows(arn, 'odps:ListMmsJobs', 'datasource/5')).toBe(false);
    expect(allows(arn, 'odps:DeleteMmsJob', 'datasource/3')).toBe(false);
    expect(allowedSources(arn, 'odps:ListMmsDataSources')).toEqual({ include: [3, 4] });
  });

  it('takes acs:odps:*:*:* for every resource', () => {
    const all: Policy = { statements: [{ effect: 'Allow', actions: ['odps:ListMmsDataSources'], resources: ['acs:odps:*:*:*'] }] };
    expect(allows(all, 'odps:ListMmsDataSources', '*')).toBe(true);
    expect(allowedSources(all, 'odps:ListMmsDataSources')).toEqual({ exclude: [] });
  });
});
