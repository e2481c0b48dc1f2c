import { count, plural } from './context.js';

/** What one delivery of payment events did, as `ingest` and `replay` tell it. */
export interface DeliveryCounts {
  published: number;
  /** Of the published: already in the stream. */
  duplicates: number;
  failed: number;
  /** Events still to deliver (pending or failed), earlier runs' included. */
  left: number;
  /** Why the delivery stopped before the end, if it did. */
  stopped: string | null;
}

/**
 * The human line about a delivery, the same words for both commands:
 * `<what>: 3 events published (1 already in the stream), 0 failed; 2 events left to deliver (stopped: …)`.
 * With `retryHint`, events left over end it with how to send them.
 */
export function deliveryNote(what: string, counts: DeliveryCounts, { retryHint }: { retryHint: boolean }): string {
  const { published, duplicates, failed, left, stopped } = counts;
  return (
    `${what}: ${plural(published, 'event')} published` +
    (duplicates > 0 ? ` (${count(duplicates)} already in the stream)` : '') +
    `, ${count(failed)} failed; ${plural(left, 'event')} left to deliver` +
    (stopped ? ` (stopped: ${stopped})` : '') +
    (retryHint && left > 0 ? ': retry with `claims replay`' : '')
  );
}
