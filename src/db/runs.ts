import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { and, eq, inArray, not } from 'drizzle-orm';
import { RunTakenOverError } from '../errors.js';
import { accepted } from './claim-filters.js';
import type { Db } from './client.js';
import { claims, outbox, rejections, runs } from './schema.js';

/**
 * How long a run stays alive without news from its process. Longer than the busy timeout (a writer
 * can wait that long for the lock, unable to renew) plus a batch.
 */
export const LEASE_MS = 90_000;
/** How often a working process renews its lease besides each batch commit. */
export const HEARTBEAT_MS = 10_000;

/**
 * Deletes what a run wrote (its claims not accepted, with their lines, and its rejections) and
 * records why. Only claims without an event go (or with one staged by an older claims): those of a
 * run never accepted, so nothing was published. Does nothing when the run is no longer running
 * (another process settled it first).
 */
export function discardRun(db: Db, runId: number, outcome: Partial<typeof runs.$inferInsert>): boolean {
  return db.transaction(
    (tx) => {
      const settled = tx
        .update(runs)
        .set({ ...outcome, claimsStored: 0, linesStored: 0, netFeeCents: 0, leaseExpiresAt: null })
        .where(and(eq(runs.id, runId), eq(runs.status, 'running')))
        .run();
      if (settled.changes === 0) return false;
      const unaccepted = tx
        .select({ id: claims.id })
        .from(claims)
        .where(and(eq(claims.runId, runId), not(accepted({ claims, outbox }))));
      // Lines (and a staged outbox row) go with the claim (ON DELETE CASCADE).
      tx.delete(claims).where(inArray(claims.id, unaccepted)).run();
      tx.delete(rejections).where(eq(rejections.runId, runId)).run();
      return true;
    },
    { behavior: 'immediate' },
  );
}

export interface RunOwner {
  host: string;
  pid: number;
  pidStartTime: string | null;
  /** Random per process: only the process that started a run renews or accepts it. */
  owner: string;
}

let self: RunOwner | null = null;

/** Who writes a run: recorded when it starts, checked by the next process to open the database. */
export function runOwner(): RunOwner {
  self ??= { host: hostname(), pid: process.pid, pidStartTime: processStartTime(process.pid), owner: randomUUID() };
  return self;
}

/** A thread that goes on with this process's runs (the ingest's writer) writes as the same owner. */
export function writeAsOwner(owner: RunOwner): void {
  self = owner;
}

/** Extends a run's lease; fails when another process has declared the run dead meanwhile. */
export function renewLease(db: Db, runId: number, now: number): void {
  const renewed = db
    .update(runs)
    .set({ leaseExpiresAt: now + LEASE_MS })
    .where(and(eq(runs.id, runId), eq(runs.owner, runOwner().owner), eq(runs.status, 'running')))
    .run();
  if (renewed.changes === 0) throw new RunTakenOverError(runId);
}

/**
 * Runs left 'running' by a process that no longer works on them were killed part way. Like SQLite
 * rolling back a hot journal, the next `claims` to open the database discards what they wrote, so
 * rerunning the same command ends with exactly what one uninterrupted run would have written, and no
 * list or report ever counts claims of an input that was not read to the end.
 */
export function discardInterruptedRuns(db: Db, now: number): number[] {
  const dead = db
    .select({ id: runs.id, host: runs.host, pid: runs.pid, pidStartTime: runs.pidStartTime, leaseExpiresAt: runs.leaseExpiresAt })
    .from(runs)
    .where(eq(runs.status, 'running'))
    .all()
    .filter((run) => !isRunAlive(run, now));
  const outcome = {
    status: 'interrupted' as const,
    error: 'the process was stopped before the input was read to the end',
    finishedAt: new Date(now).toISOString(),
  };
  return dead.filter((run) => discardRun(db, run.id, outcome)).map((run) => run.id);
}

export type RunLiveness = Pick<typeof runs.$inferSelect, 'host' | 'pid' | 'pidStartTime' | 'leaseExpiresAt'>;

/**
 * On this host a run lives exactly as long as its process (the same pid, started at the same time:
 * a pid can be reused), so a killed run is cleaned at once. Elsewhere only its lease can tell.
 */
export function isRunAlive(run: RunLiveness, now: number): boolean {
  if (run.host === runOwner().host) {
    if (!isProcessAlive(run.pid)) return false;
    const started = processStartTime(run.pid);
    return run.pidStartTime === null || started === null || started === run.pidStartTime;
  }
  return run.leaseExpiresAt !== null && run.leaseExpiresAt > now;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/<pid>/stat: clock ticks from boot to the process start; null without /proc. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
