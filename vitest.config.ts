import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The files that take longest (packing and installing, clusters of processes, the type matrix,
 * crashes, the browser) start first: one of them started last would run alone at the end of a
 * pass. The others follow in Vitest's own order (its recorded durations, when it has them).
 */
const LONGEST = ['install', 'cluster/cluster', 'verification/matrix', 'cli', 'engine/crash', 'cluster/chunks', 'engine/duckdb-memory', 'web/console', 'web/console-ux', 'engine/faults', 'engine/live'];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((name) => f.moduleId.endsWith(`/test/${name}.test.ts`));
      return i < 0 ? LONGEST.length : i;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds what the tests' own processes run (test/support/build.ts).
    globalSetup: ['test/support/build.ts'],
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
    sequence: { sequencer: LongestFirst },
  },
});
