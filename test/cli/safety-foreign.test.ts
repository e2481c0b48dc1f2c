import { spawnSync, type ChildProcess } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND, claimsWritten, firstBatchCommitted, queryRows, start, Workspace, writable } from '../helpers/cli.js';
import { csv, manyClaims, PAST_FIRST_BATCH, SMALL_BATCHES } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const run = (args: string[]) => runMain([...args, '--db', ws.db, '--log-level', 'warn']);

async function summary(): Promise<Record<string, number>> {
  const result = await run(['report', 'summary', '--format', 'json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

function sql<T>(query: string, ...params: unknown[]): T[] {
  return queryRows(ws.db, query, ...params) as T[];
}

/**
 * Turns the completed run `runId` back into what a process killed part way leaves: the run still
 * `running` under the given owner, its claims without events (SQLite writes them when a run is
 * accepted) or with staged ones (PostgreSQL, and SQLite databases written by an older claims).
 */
function leaveRunning(
  runId: number,
  owner: { host: string; pid: number; pidStartTime?: string; leaseExpiresAt: number },
  events: 'unwritten' | 'staged' = BACKEND === 'postgres' ? 'staged' : 'unwritten',
) {
  sql(
    `update runs set status = 'running', finished_at = null, host = ?, pid = ?, pid_start_time = ?, owner = 'dead', lease_expires_at = ? where id = ?`,
    owner.host,
    owner.pid,
    owner.pidStartTime ?? null,
    owner.leaseExpiresAt,
    runId,
  );
  // Staged first either way: the triggers take its claims out of the report totals, as a hand edit would.
  sql(`update outbox set status = 'staged' where run_id = ?`, runId);
  if (events === 'unwritten') sql(`delete from outbox where run_id = ?`, runId);
}

/** The ways a killed run's events can be left on this backend. */
const KILLED_EVENTS = BACKEND === 'postgres' ? (['staged'] as const) : (['unwritten', 'staged'] as const);

const HOUR = 3_600_000;

/** `unshare -u` runs a process under its own hostname, as a second container on the same volume would. */
const canUnshare = spawnSync('unshare', ['-u', 'hostname', 'other-container']).status === 0;

/**
 * SIGSTOPs an ingest waiting for input at a moment it holds no SQLite write lock: its lease heartbeat
 * writes every few seconds. (On PostgreSQL the heartbeat is one statement the server finishes alone.)
 */
async function pauseHoldingNoLock(child: ChildProcess): Promise<void> {
  for (;;) {
    child.kill('SIGSTOP');
    if (BACKEND === 'postgres' || writable(ws.db)) return;
    child.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('runs of other processes', () => {
  it.each(KILLED_EVENTS)('a rerun takes over the claims of a killed run of another host (events %s), and every event becomes deliverable', async (events) => {
    const rows = manyClaims(2_000);
    const firstPart = ws.file('part.csv', csv(rows.slice(0, 4 * 1_200)));
    const whole = ws.file('whole.csv', csv(rows));
    expect((await run(['ingest', firstPart, '-q'])).code).toBe(0);
    // Killed on another host a moment ago: its lease has not run out, so nobody can tell it is dead.
    leaveRunning(1, { host: 'another-container', pid: 1, leaseExpiresAt: Date.now() + HOUR }, events);

    // Its staged claims are not stored yet: neither report nor list counts them.
    expect(await summary()).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });
    expect((await run(['list', '--format', 'json'])).stdout.trim()).toBe('[]');

    const rerun = await run(['ingest', whole, '--format', 'json', '-q']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)[0]).toMatchObject({ claims_stored: 2_000, claims_duplicate: 0, lines_stored: 8_000 });
    expect(await summary()).toMatchObject({ claims: 2_000, lines: 8_000, events_pending: 2_000 });
    expect(sql(`select status, count(*) as n from outbox group by status`)).toEqual([{ status: 'pending', n: 2_000 }]);

    // Once its lease has run out, the dead run is recorded as interrupted; the claims stay with the rerun.
    sql(`update runs set lease_expires_at = ? where id = 1`, Date.now() - 1);
    expect(await summary()).toMatchObject({ claims: 2_000, lines: 8_000, events_pending: 2_000 });
    expect(sql(`select id, status, claims_stored from runs order by id`)).toEqual([
      { id: 1, status: 'interrupted', claims_stored: 0 },
      { id: 2, status: 'completed', claims_stored: 2_000 },
    ]);
  });

  it.each(KILLED_EVENTS)('a killed run of another host (events %s) whose lease ran out is discarded by the next command', async (events) => {
    const input = ws.file('in.csv', csv(manyClaims(500)));
    expect((await run(['ingest', input, '-q'])).code).toBe(0);
    leaveRunning(1, { host: 'another-container', pid: process.pid, leaseExpiresAt: Date.now() - 1 }, events);

    const report = await run(['report', 'summary', '--format', 'json']);
    expect(report.stderr).toContain('discarded the claims of an interrupted run');
    expect(JSON.parse(report.stdout)).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });

    const rerun = await run(['ingest', input, '--format', 'json', '-q']);
    expect(JSON.parse(rerun.stdout)[0]).toMatchObject({ claims_stored: 500, claims_duplicate: 0 });
    expect(await summary()).toMatchObject({ claims: 500, lines: 2_000, events_pending: 500 });
  });

  it('a killed run whose pid now belongs to another process of this host is discarded at once', async () => {
    const input = ws.file('in.csv', csv(manyClaims(500)));
    expect((await run(['ingest', input, '-q'])).code).toBe(0);
    // The pid is alive (this test's own process), but it started at another time: it was reused.
    leaveRunning(1, { host: hostname(), pid: process.pid, pidStartTime: '1', leaseExpiresAt: Date.now() + HOUR });

    const report = await run(['report', 'summary', '--format', 'json']);
    expect(report.stderr).toContain('discarded the claims of an interrupted run');
    expect(JSON.parse(report.stdout)).toMatchObject({ claims: 0, events_pending: 0 });

    const rerun = await run(['ingest', input, '--format', 'json', '-q']);
    expect(JSON.parse(rerun.stdout)[0]).toMatchObject({ claims_stored: 500, claims_duplicate: 0 });
    expect(await summary()).toMatchObject({ claims: 500, lines: 2_000, events_pending: 500 });
    expect(sql(`select status from runs order by id`)).toEqual([{ status: 'interrupted' }, { status: 'completed' }]);
  });

  it('a run still being read on another host is left alone: its claims are neither listed nor discarded', async () => {
    const input = ws.file('in.csv', csv(manyClaims(300)));
    expect((await run(['ingest', input, '-q'])).code).toBe(0);
    leaveRunning(1, { host: 'another-container', pid: 1, leaseExpiresAt: Date.now() + HOUR });

    expect(await summary()).toMatchObject({ claims: 0, lines: 0, providers: 0, net_fee_cents: 0 });
    expect(JSON.parse((await run(['list', '--lines', '--format', 'json'])).stdout)).toEqual([]);
    expect(JSON.parse((await run(['report', 'top-providers', '--format', 'json'])).stdout)).toEqual([]);
    expect(sql(`select count(*) as n from claims`)).toEqual([{ n: 300 }]);
    expect(sql(`select status from runs`)).toEqual([{ status: 'running' }]);
  });

  it.skipIf(!canUnshare)('an ingest killed under another hostname, then run again here, stores every claim with a deliverable event', async () => {
    // Read from a pipe: killed once its first batch is committed, while it waits for the rest.
    const rows = manyClaims(1_500);
    const ingest = start(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '-q', '--log-level', 'silent'], {
      stdin: 'pipe',
      prefix: ['unshare', '-u', 'sh', '-c', 'hostname other-container && exec "$0" "$@"'],
    });
    ingest.child.stdin!.write(csv(rows.slice(0, PAST_FIRST_BATCH)));
    await firstBatchCommitted(ws.db);
    ingest.child.kill('SIGKILL');
    await ingest.done;
    const staged = claimsWritten(ws.db);
    expect(staged).toBeGreaterThan(0);
    expect(staged).toBeLessThan(1_500);
    expect(sql(`select host, status from runs`)).toEqual([{ host: 'other-container', status: 'running' }]);

    const rerun = await runMain(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '--format', 'json', '-q', '--log-level', 'warn'], { stdin: csv(rows) });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout)[0]).toMatchObject({ claims_stored: 1_500, claims_duplicate: 0 });
    expect(await summary()).toMatchObject({ claims: 1_500, lines: 6_000, events_pending: 1_500 });
    expect(sql(`select status, count(*) as n from outbox group by status`)).toEqual([{ status: 'pending', n: 1_500 }]);
  }, 120_000);

  it('a paused ingest declared dead elsewhere does not write on when it wakes up; the same command again finishes', async () => {
    const rows = manyClaims(1_500);
    const { child, done } = start(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '-q', '--log-level', 'silent'], { stdin: 'pipe' });
    // One batch's worth, then it waits for more input: paused there, it holds no lock.
    child.stdin!.write(csv(rows.slice(0, PAST_FIRST_BATCH)));
    await firstBatchCommitted(ws.db);
    await pauseHoldingNoLock(child);
    // Seen from another host, the paused run stopped renewing its lease long ago.
    sql(`update runs set host = 'another-container', lease_expires_at = ? where id = 1`, Date.now() - 1);
    expect(await summary()).toMatchObject({ claims: 0, events_pending: 0 });
    expect(sql(`select status from runs`)).toEqual([{ status: 'interrupted' }]);

    child.kill('SIGCONT');
    child.stdin!.end(csv(rows.slice(PAST_FIRST_BATCH)).split('\n').slice(1).join('\n'));
    const woken = await done;
    expect(woken.code).toBe(1);
    expect(woken.stderr).toContain('run 1 was declared dead by another claims process');
    expect(claimsWritten(ws.db)).toBe(0);

    const rerun = await runMain(['ingest', '-', ...SMALL_BATCHES, '--db', ws.db, '--format', 'json', '-q'], { stdin: csv(rows) });
    expect(JSON.parse(rerun.stdout)[0]).toMatchObject({ claims_stored: 1_500, claims_duplicate: 0 });
    expect(await summary()).toMatchObject({ claims: 1_500, lines: 6_000, events_pending: 1_500 });
  }, 120_000);
});
