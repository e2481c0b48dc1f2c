import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND, claims, claimsWritten, firstBatchCommitted, start, waitForCount, Workspace, writable } from '../helpers/cli.js';
import { csv, manyClaims, PAST_FIRST_BATCH, SMALL_BATCHES } from '../helpers/inputs.js';
import { databaseContents as contents, InProcessWorkspace } from '../helpers/main.js';

// Processes are spawned where the test is about processes (SIGKILL, several at once); the rest runs in-process.
let ws: Workspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

describe('safety', () => {
  it.skipIf(BACKEND === 'postgres')('an ingest whose input pauses in the middle of a transaction commits it, so other writers need not wait', async () => {
    // A transaction takes 100,000 rows by default: here 20,000 rows are written, then the pipe
    // pauses. Only the pause can commit them.
    const rows = manyClaims(6_000);
    const ingest = start(['ingest', '-', '--db', ws.db, '-q', '--log-level', 'silent'], { stdin: 'pipe' });
    const beforePause = 20_000 + 400;
    ingest.child.stdin!.write(csv(rows.slice(0, beforePause)));
    await waitForCount(ws.db, 'select count(*) as n from claims', (n) => n === 5_000, 'the claims read before the pause');
    // Within a moment (a lease renewal or a checkpoint may be under way), not at the end of the input.
    expect(writable(ws.db, 1_000)).toBe(true);
    ingest.child.stdin!.end(csv(rows.slice(beforePause)).split('\n').slice(1).join('\n'));
    expect((await ingest.done).code).toBe(0);
    expect(claimsWritten(ws.db)).toBe(6_000);
  }, 120_000);

  it('a run killed part way, then run again, ends as one uninterrupted run', async () => {
    // Read from a pipe: killed once its first batch is committed, while it waits for the rest.
    const rows = manyClaims(1_500);
    const ingest = start(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '-q', '--log-level', 'silent'], { stdin: 'pipe' });
    ingest.child.stdin!.write(csv(rows.slice(0, PAST_FIRST_BATCH)));
    const committed = await firstBatchCommitted(ws.db);
    ingest.child.kill('SIGKILL');
    await ingest.done;
    expect(committed).toBeLessThan(1_500);

    // The next command to open the database discards the killed run: no report counts its claims.
    const afterKill = await ws.run(['report', 'summary', '--format', 'json', '--log-level', 'warn']);
    expect(JSON.parse(afterKill.stdout)).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });
    expect(afterKill.stderr).toContain('discarded the claims of an interrupted run');

    const rerun = await ws.run(['ingest', '-', ...SMALL_BATCHES, '-q', '--log-level', 'silent'], { stdin: csv(rows) });
    expect(rerun.code).toBe(0);

    const clean = new InProcessWorkspace();
    try {
      await clean.run(['ingest', '-', ...SMALL_BATCHES, '-q', '--log-level', 'silent'], { stdin: csv(rows) });
      expect(await contents(ws)).toEqual(await contents(clean));
    } finally {
      clean.remove();
    }
    expect((await contents(ws)).totals).toMatchObject({ claims: 1_500, lines: 6_000, events_pending: 1_500 });
  }, 120_000);

  it('several processes ingesting the same file into one database store each claim once, without errors', async () => {
    const input = ws.file('in.csv', csv(manyClaims(2_500)));
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => claims(['ingest', input, '--db', ws.db, '--format', 'json', '--log-level', 'silent', '-q'])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const runs = results.map((r) => JSON.parse(r.stdout)[0]);
    expect(runs.reduce((sum, r) => sum + r.claims_stored, 0)).toBe(2_500);
    expect(runs.reduce((sum, r) => sum + r.claims_duplicate, 0)).toBe(7_500);
    expect((await contents(ws)).totals).toMatchObject({ claims: 2_500, lines: 10_000, events_pending: 2_500 });
  }, 120_000);
});
