import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CLI and broker tests start real processes; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most test files spend their time waiting on processes they start (nats-server, claims under a
    // signal or a frozen broker), not computing: four at once keep two cores busy.
    maxWorkers: 4,
    // The JSON report lets .ci/run close with a plain "N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'] } },
      // The CLI contract again on PostgreSQL (each test its own database on the local server):
      // same commands, same outputs, same exit codes. Tests of the SQLite file itself skip there.
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/cli/**/*.test.ts'],
          // Failures of the SQLite file itself (its modes, a dropped table, a newer migration, a
          // missing directory): PostgreSQL's own are in test/postgres. SQLite's maintained report
          // totals (tables and triggers checked against a recomputation): PostgreSQL computes them.
          exclude: ['test/cli/environment.test.ts', 'test/cli/report-totals.test.ts'],
          env: { CLAIMS_TEST_BACKEND: 'postgres' },
          // Each test makes and drops its own database, and the ingests of the longer tests go over TCP.
          testTimeout: 90_000,
        },
      },
    ],
  },
});
