import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, claims, claimsWritten, Workspace } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { databaseContents as contents, InProcessWorkspace } from '../helpers/main.js';

// Processes are spawned where the test is about processes (SIGKILL, several at once); the rest runs in-process.
let ws: Workspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

describe('safety', () => {
  it('a run killed part way, then run again, ends as one uninterrupted run', async () => {
    const input = ws.file('big.csv', csv(manyClaims(25_000)));
    const child = spawn(process.execPath, [BIN, 'ingest', input, '--db', ws.db, '-q', '--log-level', 'silent'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const deadline = Date.now() + 60_000;
    let committed = 0;
    while (committed === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      committed = claimsWritten(ws.db);
    }
    child.kill('SIGKILL');
    await exited;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(25_000);

    // The next command to open the database discards the killed run: no report counts its claims.
    const afterKill = await ws.run(['report', 'summary', '--format', 'json', '--log-level', 'warn']);
    expect(JSON.parse(afterKill.stdout)).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });
    expect(afterKill.stderr).toContain('discarded the claims of an interrupted run');

    const rerun = await ws.run(['ingest', input, '-q', '--log-level', 'silent']);
    expect(rerun.code).toBe(0);

    const clean = new InProcessWorkspace();
    try {
      await clean.run(['ingest', input, '-q', '--log-level', 'silent']);
      expect(await contents(ws)).toEqual(await contents(clean));
    } finally {
      clean.remove();
    }
    expect((await contents(ws)).totals).toMatchObject({ claims: 25_000, lines: 100_000, events_pending: 25_000 });
    // Three ingests of 100,000 lines: minutes on a loaded 2-core machine, more over PostgreSQL.
  }, 240_000);

  it('several processes ingesting the same file into one database store each claim once, without errors', async () => {
    const input = ws.file('in.csv', csv(manyClaims(5_000)));
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => claims(['ingest', input, '--db', ws.db, '--format', 'json', '--log-level', 'silent', '-q'])),
    );
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const runs = results.map((r) => JSON.parse(r.stdout)[0]);
    expect(runs.reduce((sum, r) => sum + r.claims_stored, 0)).toBe(5_000);
    expect(runs.reduce((sum, r) => sum + r.claims_duplicate, 0)).toBe(15_000);
    expect((await contents(ws)).totals).toMatchObject({ claims: 5_000, lines: 20_000, events_pending: 5_000 });
  }, 120_000);
});
