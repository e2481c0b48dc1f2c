import { hostname } from 'node:os';
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from './open.js';
import { claims, outbox, rejections, runs } from './schema.js';

/**
 * Deletes what a run wrote (its staged claims with their lines and events, and its rejections) and
 * records why. Only staged claims go: those of a run never accepted, so nothing was published.
 */
export function discardRun(db: Db, runId: number, outcome: Partial<typeof runs.$inferInsert>): void {
  db.transaction(
    (tx) => {
      const staged = tx
        .select({ claimPk: outbox.claimPk })
        .from(outbox)
        .where(and(eq(outbox.runId, runId), eq(outbox.status, 'staged')));
      // Lines and the outbox row go with the claim (ON DELETE CASCADE).
      tx.delete(claims).where(inArray(claims.id, staged)).run();
      tx.delete(rejections).where(eq(rejections.runId, runId)).run();
      tx.update(runs)
        .set({ ...outcome, claimsStored: 0, linesStored: 0, netFeeCents: 0 })
        .where(eq(runs.id, runId))
        .run();
    },
    { behavior: 'immediate' },
  );
}

/** Who writes a run: recorded when it starts, checked by the next process to open the database. */
export function runOwner(): { host: string; pid: number } {
  return { host: hostname(), pid: process.pid };
}

/**
 * Runs left 'running' by a process of this host that no longer exists were killed part way. Like
 * SQLite rolling back a hot journal, the next `claims` to open the database discards what they wrote,
 * so rerunning the same command ends with exactly what one uninterrupted run would have written, and
 * no list or report ever counts claims of an input that was not read to the end.
 */
export function discardInterruptedRuns(db: Db, now: string): number[] {
  const interrupted = db
    .select({ id: runs.id, pid: runs.pid })
    .from(runs)
    .where(and(eq(runs.status, 'running'), eq(runs.host, runOwner().host)))
    .all()
    .filter((run) => !isProcessAlive(run.pid));
  for (const run of interrupted) {
    discardRun(db, run.id, {
      status: 'interrupted',
      error: 'the process was stopped before the input was read to the end',
      finishedAt: now,
    });
  }
  return interrupted.map((run) => run.id);
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
