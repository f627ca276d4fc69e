import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests wait on conditions; these limits only stop a test that can never pass from hanging the
    // run, and hold on a machine whose cores are busy with other work (test/support/processes.ts until).
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // expect.poll waits on a condition as long as a test may run (its own default is one second).
    expect: { poll: { timeout: 600_000, interval: 100 } },
    // Files share no state (each makes its own databases, folders and ports): three at a time keep
    // the two cores busy while others wait on the database servers.
    maxWorkers: 3,
    minWorkers: 1,
  },
});
