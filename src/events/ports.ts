/**
 * What src/events needs from storage, declared here by its consumer and implemented in src/db.
 * Async where a network database would wait: one await per page of events, never per event.
 */

/** An outbox event that may be published: pending, or failed on an earlier attempt. */
export interface DeliverableEvent {
  seq: number;
  eventId: string;
  claimId: string;
  subject: string;
  /** The JSON payload's UTF-8 bytes, as published. */
  payload: Uint8Array;
  status: 'pending' | 'failed';
  attempts: number;
  lastError: string | null;
}

/** The outcome of one publish attempt, as the outbox records it. */
export type Delivery =
  | { event: DeliverableEvent; ok: true; streamSeq: number; duplicate: boolean }
  | { event: DeliverableEvent; ok: false; error: string };

/** Where a run's events stand. */
export interface EventCounts {
  events_published: number;
  events_pending: number;
  events_failed: number;
}

/** The outbox as a publisher sees it: what to send next, and what became of it. */
export interface OutboxSource {
  /**
   * Leases up to `limit` deliverable events after `afterSeq`, oldest first, for `owner` until
   * `leaseMs` from now, and returns them: concurrent publishers each take their own.
   */
  claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]>;
  /** Records a page of outcomes at once. */
  recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void>;
  /** Frees what `owner` leased and did not record (a publish stopped part way). */
  releaseLeases(owner: string): Promise<void>;
  /** Events of unpayable claims met so far (marked failed instead of returned): failed deliveries. */
  readonly unpayableCount: number;
}

/** What a dry run lists: the deliverable events, oldest first, without leasing or sending them. */
export interface OutboxListing {
  /** Up to `limit` deliverable events after `afterSeq`; an empty page is the end. */
  nextDeliverable(afterSeq: number, limit: number): Promise<DeliverableEvent[]>;
}

/** Where the outbox stands after an ingest's deliveries. */
export interface OutboxStatus {
  /** Events still to deliver: pending or failed. */
  deliverableCount(): Promise<number>;
  /** Where the events of each run stand. */
  countsByRun(runIds: readonly number[]): Promise<Map<number, EventCounts>>;
}
