import { authedFetch } from '../../src/auth/credentials.js';

/** The administrator every test server is started with, and that test clients sign with. */
export const TEST_ADMIN = { accessKeyId: 'OMMSTESTADMIN0000000', accessKeySecret: 'test-admin-secret-0123456789' };

/** Environment of a test `mms` process: the server bootstraps this admin, `mms` commands sign as it. */
export const TEST_ADMIN_ENV = {
  OPENMMS_ADMIN_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
  OPENMMS_ADMIN_ACCESS_KEY_SECRET: TEST_ADMIN.accessKeySecret,
  OPENMMS_ACCESS_KEY_ID: TEST_ADMIN.accessKeyId,
  OPENMMS_ACCESS_KEY_SECRET: TEST_ADMIN.accessKeySecret,
};

/** fetch, signed as the test administrator. */
export const adminFetch = authedFetch(TEST_ADMIN);
