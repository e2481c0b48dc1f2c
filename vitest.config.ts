import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // CLI and broker tests start real processes; give them room on a 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Most test files spend their time waiting on processes they start (nats-server, claims under a
    // signal or a frozen broker), not computing: six at once keep two cores busy.
    maxWorkers: 6,
    // Test files share their worker's loaded modules (claims itself, drizzle, the drivers) instead of
    // loading them again for each file: ~20 % of the suite's CPU on 2 cores. No test relies on a fresh
    // module: every test makes its own workspace, database, servers and environment.
    isolate: false,
    setupFiles: ['test/helpers/setup.ts'],
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
          // The terminal (a pseudo-terminal's spinner, colours and page size) is the same whatever stores the claims.
          exclude: ['test/cli/environment.test.ts', 'test/cli/report-totals.test.ts', 'test/cli/terminal.test.ts'],
          env: { CLAIMS_TEST_BACKEND: 'postgres' },
          // Each test makes and drops its own database, and the ingests of the longer tests go over TCP.
          testTimeout: 90_000,
        },
      },
    ],
  },
});
