import { and, asc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from './open.js';
import { outbox } from './schema.js';

/** An outbox event that may be published: pending, or failed on an earlier attempt. */
export interface DeliverableEvent {
  seq: number;
  eventId: string;
  claimId: string;
  subject: string;
  payload: string;
  status: 'pending' | 'failed';
  attempts: number;
  lastError: string | null;
}

/** The outcome of one publish attempt, as the outbox records it. */
export type Delivery =
  | { event: DeliverableEvent; ok: true; streamSeq: number; duplicate: boolean }
  | { event: DeliverableEvent; ok: false; error: string };

export interface EventCounts {
  events_published: number;
  events_pending: number;
  events_failed: number;
}

const p = (name: string) => sql.placeholder(name);

/** The outbox as the publisher sees it: what to send next, and what became of it. */
export class OutboxStore {
  private readonly deliverable;
  private readonly markPublished;
  private readonly markFailed;

  constructor(private readonly db: Db) {
    // One status per query: each is a range of the (status, seq) index, read in order, where an
    // IN over both statuses would sort every remaining row for each page.
    this.deliverable = db
      .select({
        seq: outbox.seq,
        eventId: outbox.eventId,
        claimId: outbox.claimId,
        subject: outbox.subject,
        payload: outbox.payload,
        status: outbox.status,
        attempts: outbox.attempts,
        lastError: outbox.lastError,
      })
      .from(outbox)
      .where(and(eq(outbox.status, p('status')), gt(outbox.seq, p('afterSeq'))))
      .orderBy(asc(outbox.seq))
      .limit(p('limit'))
      .prepare();
    // Both leave alone an event another process has published meanwhile.
    this.markPublished = db
      .update(outbox)
      .set({
        status: 'published',
        streamSeq: sql`${p('streamSeq')}`,
        publishedAt: sql`${p('at')}`,
        attempts: sql`${outbox.attempts} + 1`,
        lastError: null,
      })
      .where(and(eq(outbox.eventId, p('eventId')), ne(outbox.status, 'published')))
      .prepare();
    this.markFailed = db
      .update(outbox)
      .set({ status: 'failed', attempts: sql`${outbox.attempts} + 1`, lastError: sql`${p('error')}` })
      .where(and(eq(outbox.eventId, p('eventId')), ne(outbox.status, 'published')))
      .prepare();
  }

  /** Up to `limit` deliverable events after `afterSeq`, oldest first. Staged events are never deliverable. */
  nextDeliverable(afterSeq: number, limit: number): DeliverableEvent[] {
    const page = (status: DeliverableEvent['status']) => this.deliverable.all({ status, afterSeq, limit }) as DeliverableEvent[];
    return [...page('pending'), ...page('failed')].sort((a, b) => a.seq - b.seq).slice(0, limit);
  }

  /** Records a batch of outcomes in one transaction. */
  recordDeliveries(deliveries: readonly Delivery[], at: string): void {
    this.db.transaction(
      () => {
        for (const delivery of deliveries) {
          if (delivery.ok) this.markPublished.run({ eventId: delivery.event.eventId, streamSeq: delivery.streamSeq, at });
          else this.markFailed.run({ eventId: delivery.event.eventId, error: delivery.error });
        }
      },
      { behavior: 'immediate' },
    );
  }

  /** Events still to deliver: pending or failed. */
  deliverableCount(): number {
    return this.db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(outbox)
      .where(inArray(outbox.status, ['pending', 'failed']))
      .get()!.n;
  }

  /** Where the events of each run stand. */
  countsByRun(runIds: readonly number[]): Map<number, EventCounts> {
    const counts = new Map<number, EventCounts>(
      runIds.map((runId) => [runId, { events_published: 0, events_pending: 0, events_failed: 0 }]),
    );
    const rows = this.db
      .select({ runId: outbox.runId, status: outbox.status, n: sql<number>`count(*)`.mapWith(Number) })
      .from(outbox)
      .where(inArray(outbox.runId, [...runIds]))
      .groupBy(outbox.runId, outbox.status)
      .all();
    for (const { runId, status, n } of rows) {
      // A finished run has no staged events left.
      if (status !== 'staged') counts.get(runId)![`events_${status}`] = n;
    }
    return counts;
  }
}
