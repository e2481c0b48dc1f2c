import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { DeliverableEvent, Delivery, EventCounts, OutboxListing, OutboxSource, OutboxStatus } from '../../events/ports.js';
import { deliverableEvents, linesByClaim, type DeliverableRow } from '../deliverable-events.js';
import type { PgDb } from './client.js';
import { claimLines, claims, outbox } from './schema.js';
import { EVENT_COLUMNS } from './line-columns.js';
import { deliverableFields } from '../selections.js';

const DELIVERABLE_FIELDS = deliverableFields(outbox, claims);

const DELIVERABLE = inArray(outbox.status, ['pending', 'failed']);

/**
 * The outbox in PostgreSQL. Publishers lease a page with FOR UPDATE SKIP LOCKED: two replayers
 * never take the same event, and neither waits for the other's page.
 */
export class PgOutboxStore implements OutboxSource, OutboxStatus, OutboxListing {
  /** Events of unpayable claims already marked failed by this store: marked once per drain. */
  private readonly poisoned = new Set<number>();

  constructor(
    private readonly db: PgDb,
    private readonly readOnly: boolean,
  ) {}

  async nextDeliverable(afterSeq: number, limit: number): Promise<DeliverableEvent[]> {
    for (let after = afterSeq; ; ) {
      const rows = await this.deliverableRows(and(DELIVERABLE, gt(outbox.seq, after))!, limit);
      if (rows.length === 0) return [];
      const events = await this.toEvents(rows);
      if (events.length > 0) return events;
      // A page of nothing but unpayable claims must not read as the end of the outbox.
      after = rows[rows.length - 1]!.seq;
    }
  }

  async claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]> {
    for (let after = afterSeq; ; ) {
      const now = Date.now();
      const leased = await this.db.execute<{ seq: number }>(sql`
        update ${outbox} set lease_owner = ${owner}, lease_expires_at = ${new Date(now + leaseMs).toISOString()}
        where seq in (
          select seq from ${outbox}
          where status in ('pending', 'failed') and seq > ${after}
            and (lease_expires_at is null or lease_expires_at < ${new Date(now).toISOString()})
          order by seq limit ${limit}
          for update skip locked)
        returning seq`);
      if (leased.length === 0) return [];
      const seqs = leased.map((row) => Number(row.seq));
      const events = await this.toEvents(await this.deliverableRows(inArray(outbox.seq, seqs), limit));
      if (events.length > 0) return events;
      after = Math.max(...seqs);
    }
  }

  get unpayableCount(): number {
    return this.poisoned.size;
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.db
      .update(outbox)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(outbox.leaseOwner, owner), DELIVERABLE));
  }

  /** Records a page of outcomes in one statement; an event another process published meanwhile is left alone. */
  async recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void> {
    if (deliveries.length === 0) return;
    const outcomes = deliveries.map((d) =>
      d.ok ? { seq: d.event.seq, ok: true, stream_seq: d.streamSeq, error: null } : { seq: d.event.seq, ok: false, stream_seq: null, error: d.error },
    );
    await this.db.execute(sql`
      update ${outbox} as o set
        status = case when d.ok then 'published' else 'failed' end,
        stream_seq = case when d.ok then d.stream_seq else o.stream_seq end,
        published_at = case when d.ok then ${at} else o.published_at end,
        attempts = o.attempts + 1,
        last_error = case when d.ok then null else d.error end,
        lease_owner = null,
        lease_expires_at = null
      from json_to_recordset(${JSON.stringify(outcomes)}::json) as d(seq bigint, ok boolean, stream_seq bigint, error text)
      where o.seq = d.seq and o.status <> 'published'`);
  }

  async deliverableCount(): Promise<number> {
    const [row] = await this.db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(outbox).where(DELIVERABLE);
    return row!.n;
  }

  async countsByRun(runIds: readonly number[]): Promise<Map<number, EventCounts>> {
    const counts = new Map<number, EventCounts>(
      runIds.map((runId) => [runId, { events_published: 0, events_pending: 0, events_failed: 0 }]),
    );
    if (runIds.length === 0) return counts;
    const rows = await this.db
      .select({ runId: outbox.runId, status: outbox.status, n: sql<number>`count(*)`.mapWith(Number) })
      .from(outbox)
      .where(inArray(outbox.runId, [...runIds]))
      .groupBy(outbox.runId, outbox.status);
    for (const { runId, status, n } of rows) {
      // A finished run has no staged events left.
      if (status !== 'staged') counts.get(runId)![`events_${status}`] = n;
    }
    return counts;
  }

  private deliverableRows(where: ReturnType<typeof and> & {}, limit: number): Promise<DeliverableRow[]> {
    return this.db
      .select(DELIVERABLE_FIELDS)
      .from(outbox)
      .innerJoin(claims, eq(claims.id, outbox.claimPk))
      .where(where)
      .orderBy(asc(outbox.seq))
      .limit(limit);
  }

  private async toEvents(rows: DeliverableRow[]): Promise<DeliverableEvent[]> {
    if (rows.length === 0) return [];
    const lineRows = await this.db
      .select({ claimPk: claimLines.claimPk, ...EVENT_COLUMNS })
      .from(claimLines)
      .where(inArray(claimLines.claimPk, rows.map((row) => row.claimPk)))
      .orderBy(asc(claimLines.claimPk), asc(claimLines.lineIndex));
    const { events, poisoned } = deliverableEvents(rows, linesByClaim(lineRows), this.poisoned);
    for (const { seq } of poisoned) this.poisoned.add(seq);
    if (poisoned.length > 0 && !this.readOnly) {
      await this.db.execute(sql`
        update ${outbox} as o set status = 'failed', attempts = o.attempts + 1, last_error = p.error, lease_owner = null, lease_expires_at = null
        from json_to_recordset(${JSON.stringify(poisoned)}::json) as p(seq bigint, error text)
        where o.seq = p.seq and o.status <> 'published'`);
    }
    return events;
  }
}
