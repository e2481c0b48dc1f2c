import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimsWritten, firstBatchCommitted, queryRows, start, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims, PAST_FIRST_BATCH, SMALL_BATCHES } from '../helpers/inputs.js';
import { databaseContents as contents, InProcessWorkspace } from '../helpers/main.js';

// The interrupted ingest is a spawned process (it gets the signal); the rest runs in-process.
let ws: Workspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

/** `claims` rows, one claim in a hundred with a bad fee, so a rejects file is being written too. */
function rowsWithRejects(claims: number): string[][] {
  const rows = manyClaims(claims);
  for (let i = 0; i < rows.length; i += 400) {
    rows[i] = cells({ subscriber: `S${String(i / 4).padStart(8, '0')}`, procedure: 'D1000', provider: 'ten dollars', allowed: '$50.00' });
  }
  return rows;
}

describe('signals during ingest', () => {
  it('SIGINT rolls the run back, says how to finish, exits 130; the same command again ends as one uninterrupted run', async () => {
    // Read from a pipe: one batch is committed, then the ingest waits for the rest when Ctrl-C comes.
    const rows = rowsWithRejects(1_500);
    const rejects = ws.file('rejects.csv', 'rejects of an earlier run\n');
    const ingest = start(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '--rejects', rejects, '--log-level', 'warn'], { stdin: 'pipe' });
    ingest.child.stdin!.write(csv(rows.slice(0, PAST_FIRST_BATCH)));
    await firstBatchCommitted(ws.db);
    ingest.child.kill('SIGINT');
    const stopped = await ingest.done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('interrupted; run the same command again to finish');
    expect(stopped.stderr).not.toContain('    at ');
    // Nothing of the stopped run is kept, and it says why; the earlier rejects file is untouched.
    expect(queryRows(ws.db, 'select status, error from runs')).toEqual([
      { status: 'interrupted', error: 'stopped by SIGINT before the input was read to the end' },
    ]);
    expect(claimsWritten(ws.db)).toBe(0);
    expect(readFileSync(rejects, 'utf8')).toBe('rejects of an earlier run\n');
    expect(readdirSync(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const rerun = await ws.run(['ingest', '-', ...SMALL_BATCHES, '--rejects', rejects, '-q', '--log-level', 'silent'], { stdin: csv(rows) });
    expect(rerun.code).toBe(3);
    const clean = new InProcessWorkspace();
    try {
      const once = await clean.run(['ingest', '-', ...SMALL_BATCHES, '--rejects', clean.path('rejects.csv'), '-q', '--log-level', 'silent'], { stdin: csv(rows) });
      expect(once.code).toBe(3);
      expect(await contents(ws)).toEqual(await contents(clean));
      expect(readFileSync(rejects, 'utf8')).toBe(readFileSync(clean.path('rejects.csv'), 'utf8'));
    } finally {
      clean.remove();
    }
    expect((await contents(ws)).totals).toMatchObject({ claims: 1_485, events_pending: 1_485 });
  }, 180_000);

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('%s in the middle of a file rolls the run back and exits %i', async (signal, code) => {
    // Ten batches: the signal comes once the first is committed, while the others are being written.
    const input = ws.file('big.csv', csv(rowsWithRejects(2_500)));
    const rejects = ws.path('rejects.csv');
    const ingest = start(['ingest', input, ...SMALL_BATCHES, '--db', ws.db, '--rejects', rejects, '--log-level', 'warn']);
    await firstBatchCommitted(ws.db);
    ingest.child.kill(signal);
    const stopped = await ingest.done;
    expect(stopped.code).toBe(code);
    expect(stopped.stderr).toContain('interrupted; run the same command again to finish');
    expect(existsSync(rejects)).toBe(false);
    const summary = JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
    expect(summary).toMatchObject({ claims: 0, lines: 0, events_pending: 0, rows_rejected: 0 });
  }, 60_000);
});
