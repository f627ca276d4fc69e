import { describe, expect, it } from 'vitest';
import { decodeJobConfig } from '../../src/jobs/config.js';
import { decodeColumns } from '../../src/connectors/connector.js';

const config = { partitions: [], tables: ['t'], taskType: null, tableBlackList: [], tableWhiteList: [], partitionFilters: {}, schemaOnly: false, tableMapping: {}, increment: true, enableVerification: true, tunnelQuota: null, columnMapping: {}, others: { a: 1 } };

describe('stored JSON is decoded and checked in one place', () => {
  it('gives typed values back', () => {
    expect(decodeJobConfig(JSON.stringify(config))).toEqual(config);
    expect(decodeColumns('[{"name":"id","nativeType":"int","type":"int32","nullable":false,"comment":null}]')).toEqual([{ name: 'id', nativeType: 'int', type: 'int32', nullable: false, comment: null }]);
  });

  it('names what is wrong with a row that is not what the code expects', () => {
    const { increment: _, ...partial } = config;
    expect(() => decodeJobConfig(JSON.stringify(partial))).toThrow(/^the stored job config is not valid: \/?increment? /);
    expect(() => decodeJobConfig(JSON.stringify({ ...config, partitions: ['1'] }))).toThrow(/^the stored job config is not valid: \/partitions\/0 /);
    expect(() => decodeColumns('{')).toThrow('the stored column list is not JSON');
    expect(() => decodeColumns('[{"name":"id"}]')).toThrow(/^the stored column list is not valid: \/0/);
  });
});
