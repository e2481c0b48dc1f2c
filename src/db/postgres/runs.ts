import { and, eq, inArray, sql } from 'drizzle-orm';
import { RunTakenOverError } from '../../errors.js';
import { isRunAlive, LEASE_MS, runOwner } from '../runs.js';
import type { PgDb } from './client.js';
import { claims, outbox, rejections, runs } from './schema.js';

/** A transaction of PgDb, or the database itself: what the helpers below write through. */
export type PgWriter = Pick<PgDb, 'select' | 'update' | 'delete' | 'insert' | 'execute'>;

/**
 * Held by every transaction that writes claims (a batch, an acceptance, a discard), as SQLite's
 * write lock is: batches of concurrent ingests take turns whole, so adopting another run's staged
 * claims never races and two batches can never deadlock on each other's claim ids.
 */
const WRITER_LOCK = 0x636c61696d73n; // 'claims'

export async function takeWriterLock(tx: PgWriter): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${WRITER_LOCK.toString()}::bigint)`);
}

/** Runs `work` in a transaction that holds the writer lock. */
export function writing<T>(db: PgDb, work: (tx: PgWriter) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await takeWriterLock(tx);
    return work(tx);
  });
}

/** As ../runs.ts discardRun: deletes what a run still running wrote and records why; false when it was settled already. */
export async function discardRun(db: PgDb, runId: number, outcome: Partial<typeof runs.$inferInsert>): Promise<boolean> {
  return writing(db, async (tx) => {
    const settled = await tx
      .update(runs)
      .set({ ...outcome, claimsStored: 0, linesStored: 0, netFeeCents: 0, leaseExpiresAt: null })
      .where(and(eq(runs.id, runId), eq(runs.status, 'running')))
      .returning({ id: runs.id });
    if (settled.length === 0) return false;
    const staged = tx
      .select({ claimPk: outbox.claimPk })
      .from(outbox)
      .where(and(eq(outbox.runId, runId), eq(outbox.status, 'staged')));
    // Lines and the outbox row go with the claim (ON DELETE CASCADE).
    await tx.delete(claims).where(inArray(claims.id, staged));
    await tx.delete(rejections).where(eq(rejections.runId, runId));
    return true;
  });
}

/** Extends a run's lease; fails when another process has declared the run dead meanwhile. */
export async function renewLease(tx: PgWriter, runId: number, now: number): Promise<void> {
  const renewed = await tx
    .update(runs)
    .set({ leaseExpiresAt: now + LEASE_MS })
    .where(and(eq(runs.id, runId), eq(runs.owner, runOwner().owner), eq(runs.status, 'running')))
    .returning({ id: runs.id });
  if (renewed.length === 0) throw new RunTakenOverError(runId);
}

/**
 * As ../runs.ts: runs left 'running' by a process that no longer works on them are discarded by the
 * next `claims` to open the database. On this host the pid tells; a run of another host is dead
 * once its lease has expired.
 */
export async function discardInterruptedRuns(db: PgDb, now: number): Promise<number[]> {
  const running = await db
    .select({ id: runs.id, host: runs.host, pid: runs.pid, pidStartTime: runs.pidStartTime, leaseExpiresAt: runs.leaseExpiresAt })
    .from(runs)
    .where(eq(runs.status, 'running'));
  const outcome = {
    status: 'interrupted' as const,
    error: 'the process was stopped before the input was read to the end',
    finishedAt: new Date(now).toISOString(),
  };
  const discarded: number[] = [];
  for (const run of running.filter((r) => !isRunAlive(r, now))) {
    if (await discardRun(db, run.id, outcome)) discarded.push(run.id);
  }
  return discarded;
}
