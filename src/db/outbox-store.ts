import { and, asc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import { EVENT_FIELDS } from '../domain/fields.js';
import type { EventLine } from '../domain/types.js';
import type { DeliverableEvent, Delivery, EventCounts, OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { Db } from './client.js';
import { deliverableEvents, linesByClaim, type DeliverableRow } from './deliverable-events.js';
import { EVENT_COLUMNS } from './line-columns.js';
import { deliverableFields } from './selections.js';
import { claims, outbox } from './schema.js';

const p = (name: string) => sql.placeholder(name);

/** What a deliverable event is built from: its outbox row and its claim. */
const DELIVERABLE_FIELDS = deliverableFields(outbox, claims);

/**
 * The oldest deliverable events after @afterSeq that no other publisher holds a live lease on. One
 * ordered range of the (status, seq) index per status, as nextDeliverable reads them.
 */
const FREE_DELIVERABLE_SEQS = (['pending', 'failed'] as const)
  .map(
    (status) => `select seq from (select seq from outbox where status = '${status}' and seq > @afterSeq
      and (lease_expires_at is null or lease_expires_at < @now) order by seq limit @limit)`,
  )
  .join(' union all ');

/** A deliverable row as bySeqs reads it, in DeliverableRow's order. */
type DeliverableValues = [number, string, number, string | null, number, string, string | null, string, string, string, string, number];

const deliverableRow = (v: DeliverableValues): DeliverableRow => ({
  seq: v[0],
  status: v[1],
  attempts: v[2],
  lastError: v[3],
  claimPk: v[4],
  claim_id: v[5],
  claim_number: v[6],
  provider_npi: v[7],
  service_date: v[8],
  plan_group_number: v[9],
  subscriber_number: v[10],
  net_fee_cents: v[11],
});

/** A line as linesOf reads it: its claim's key, then its EVENT_FIELDS values. */
function eventLine(values: unknown[]): EventLine & { claimPk: number } {
  const line = { claimPk: values[0] } as Record<string, unknown>;
  for (let i = 0; i < EVENT_FIELDS.length; i++) line[EVENT_FIELDS[i]!] = values[i + 1];
  return line as EventLine & { claimPk: number };
}

/** What the outbox keeps of a delivery: the event's stream sequence, or why it failed. */
export type RecordedOutcome = { seq: number; streamSeq: number } | { seq: number; error: string };

export function outcomeOf(delivery: Delivery): RecordedOutcome {
  return delivery.ok ? { seq: delivery.event.seq, streamSeq: delivery.streamSeq } : { seq: delivery.event.seq, error: delivery.error };
}

/** The outbox in SQLite: what to send next, and what became of it. */
export class OutboxStore implements OutboxSource, OutboxStatus, OutboxListing {
  private readonly deliverable;
  private readonly linesOf;
  private readonly markPagePublished;
  private readonly markFailed;
  private readonly claimFree;
  private readonly bySeqs;
  private readonly releaseOwned;
  /** Events of unpayable claims already marked failed by this store: marked once per drain. */
  private readonly poisoned = new Set<number>();

  constructor(private readonly db: Db) {
    // One status per query: each is a range of the (status, seq) index, read in order, where an
    // IN over both statuses would sort every remaining row for each page.
    this.deliverable = db
      .select(DELIVERABLE_FIELDS)
      .from(outbox)
      .innerJoin(claims, eq(claims.id, outbox.claimPk))
      .where(and(eq(outbox.status, p('status')), gt(outbox.seq, p('afterSeq'))))
      .orderBy(asc(outbox.seq))
      .limit(p('limit'))
      .prepare();
    this.claimFree = db.$client.prepare<{ owner: string; until: string; now: string; afterSeq: number; limit: number }, { seq: number }>(
      `update outbox set lease_owner = @owner, lease_expires_at = @until
       where seq in (select seq from (${FREE_DELIVERABLE_SEQS}) order by seq limit @limit)
       returning seq`,
    );
    // A page's rows and lines by plain statements read as arrays: drizzle's mapping of every row, and
    // better-sqlite3's own row objects, cost more than the reads (rows and lines of a replay of 88,740
    // events: 1.6 s of CPU as row objects, 0.9 s as arrays made into objects here).
    this.bySeqs = db.$client
      .prepare<[string], DeliverableValues>(
        `select o.seq, o.status, o.attempts, o.last_error, c.id, c.claim_id, c.claim_number, c.provider_npi,
           c.service_date, c.plan_group_number, c.subscriber_number, c.net_fee_cents
         from outbox o join claims c on c.id = o.claim_pk
         where o.seq in (select value from json_each(?)) order by o.seq`,
      )
      .raw();
    this.releaseOwned = db
      .update(outbox)
      .set({ leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(outbox.leaseOwner, p('owner')), inArray(outbox.status, ['pending', 'failed'])))
      .prepare();
    this.linesOf = db.$client
      .prepare<[string], unknown[]>(
        // The page's claim keys arrive as one JSON array: one prepared statement for any page size.
        `select claim_pk, ${EVENT_FIELDS.map((field) => EVENT_COLUMNS[field].name).join(', ')}
         from claim_lines where claim_pk in (select value from json_each(?)) order by claim_pk, line_index`,
      )
      .raw();
    // Both leave alone an event another process has published meanwhile. A page's published events
    // go in one statement: [[seq, streamSeq], …] as JSON.
    this.markPagePublished = db.$client.prepare<{ published: string; at: string }>(
      `update outbox set status = 'published', stream_seq = page.value ->> 1, published_at = @at, attempts = attempts + 1,
         last_error = null, lease_owner = null, lease_expires_at = null
       from json_each(@published) as page
       where outbox.seq = page.value ->> 0 and outbox.status <> 'published'`,
    );
    this.markFailed = db
      .update(outbox)
      .set({ status: 'failed', attempts: sql`${outbox.attempts} + 1`, lastError: sql`${p('error')}`, leaseOwner: null, leaseExpiresAt: null })
      .where(and(eq(outbox.seq, p('seq')), ne(outbox.status, 'published')))
      .prepare();
  }

  /**
   * Up to `limit` deliverable events after `afterSeq`, oldest first. Staged events are never deliverable.
   * A claim whose amounts cannot be paid exactly (written by an older version) is not returned: its
   * event is marked failed with the reason, once per store, and the events behind it go on.
   */
  async nextDeliverable(afterSeq: number, limit: number): Promise<DeliverableEvent[]> {
    const page = (status: DeliverableEvent['status'], after: number) => this.deliverable.all({ status, afterSeq: after, limit });
    for (let after = afterSeq; ; ) {
      const rows = [...page('pending', after), ...page('failed', after)].sort((a, b) => a.seq - b.seq).slice(0, limit);
      if (rows.length === 0) return [];
      const events = this.toEvents(rows);
      if (events.length > 0) return events;
      // A page of nothing but unpayable claims must not read as the end of the outbox.
      after = rows[rows.length - 1]!.seq;
    }
  }

  /**
   * Claims up to `limit` deliverable events after `afterSeq`, oldest first, for `owner` until
   * `leaseMs` from now, and returns them: concurrent publishers each take their own. An event
   * leased by another publisher is skipped until its lease expires (a publisher killed part way).
   */
  async claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]> {
    for (let after = afterSeq; ; ) {
      // Immediate: the write lock before the read, so two publishers cannot both take what they saw free.
      const seqs = this.db.transaction(
        () => {
          const now = Date.now();
          return this.claimFree.all({ owner, until: new Date(now + leaseMs).toISOString(), now: new Date(now).toISOString(), afterSeq: after, limit });
        },
        { behavior: 'immediate' },
      );
      if (seqs.length === 0) return [];
      const events = this.toEvents(this.bySeqs.all(JSON.stringify(seqs.map((row) => row.seq))).map(deliverableRow));
      if (events.length > 0) return events;
      after = Math.max(...seqs.map((row) => row.seq));
    }
  }

  /** How many events of unpayable claims this store has met (and marked failed): they count as failed deliveries. */
  get unpayableCount(): number {
    return this.poisoned.size;
  }

  /** Frees what `owner` claimed and did not record (a publish stopped part way). */
  async releaseLeases(owner: string): Promise<void> {
    this.releaseOwned.run({ owner });
  }

  /** The events of a page's rows; unpayable claims' events are marked failed instead (deliverable-events.ts). */
  private toEvents(rows: DeliverableRow[]): DeliverableEvent[] {
    if (rows.length === 0) return [];
    const lines = linesByClaim(this.linesOf.all(JSON.stringify(rows.map((row) => row.claimPk))).map(eventLine));
    const { events, poisoned } = deliverableEvents(rows, lines, this.poisoned);
    this.reportPoisoned(poisoned);
    return events;
  }

  /** Marks each unpayable claim's event failed (a read-only dry run only skips it). */
  private reportPoisoned(poisoned: readonly { seq: number; error: string }[]): void {
    for (const { seq } of poisoned) this.poisoned.add(seq);
    if (poisoned.length === 0 || this.db.$client.readonly) return;
    this.db.transaction(
      () => {
        for (const { seq, error } of poisoned) this.markFailed.run({ seq, error });
      },
      { behavior: 'immediate' },
    );
  }

  /** Records a batch of outcomes in one transaction. */
  async recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void> {
    this.recordOutcomes(deliveries.map(outcomeOf), at);
  }

  /** recordDeliveries with only what the outbox keeps of each delivery. */
  recordOutcomes(outcomes: readonly RecordedOutcome[], at: string): void {
    this.db.transaction(
      () => {
        const published: [number, number][] = [];
        for (const outcome of outcomes) {
          if ('streamSeq' in outcome) published.push([outcome.seq, outcome.streamSeq]);
          else this.markFailed.run(outcome);
        }
        if (published.length > 0) this.markPagePublished.run({ published: JSON.stringify(published), at });
      },
      { behavior: 'immediate' },
    );
  }

  /** Events still to deliver: pending or failed. */
  async deliverableCount(): Promise<number> {
    return this.db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(outbox)
      .where(inArray(outbox.status, ['pending', 'failed']))
      .get()!.n;
  }

  /** Where the events of each run stand. */
  async countsByRun(runIds: readonly number[]): Promise<Map<number, EventCounts>> {
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
