import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { NatsSession } from './connection.js';
import type { DeliverableEvent, Delivery, OutboxSource } from './ports.js';

/**
 * Publishes in flight at once: enough to keep the connection busy instead of waiting a round trip
 * per event, few enough to bound memory and what a killed run sends again.
 */
const PUBLISH_WINDOW = 512;
/** Events read from the outbox at a time; their outcomes are written back in one transaction. */
const PAGE_SIZE = 500;
/**
 * A page's lease, in timeouts: its publishes start within one (the window waits only for earlier
 * PubAcks), their PubAcks come within another, and one more covers recording them. Past it, another
 * publisher may take the events of a publisher that was killed.
 */
const LEASE_TIMEOUTS = 3;

export interface DrainOptions {
  /** At most this many events; all deliverable ones when absent. */
  limit?: number;
  /** Each page's outcomes, oldest first, once they are recorded. */
  onRecorded?: (deliveries: readonly Delivery[]) => void;
  /**
   * Aborted (a signal): no further publish is issued; those in flight settle (each bounded by the
   * NATS timeout) and are recorded, and the events not tried are released for the next publisher.
   */
  stop?: AbortSignal;
}

export interface DrainResult {
  published: number;
  /** Of the published: PubAcks flagged duplicate (JetStream already had the event). */
  duplicates: number;
  failed: number;
  /** Why publishing stopped before the end (connection lost, no answer, a signal); events not tried stay as they were. */
  stopped: string | null;
  /** The stop signal ended publishing before the outbox was drained. */
  interrupted: boolean;
}

interface Page {
  deliveries: (Delivery | undefined)[];
  unsettled: number;
}

/**
 * Publishes the outbox's deliverable events, oldest first, with up to PUBLISH_WINDOW publishes in flight.
 * An event is marked published only on its PubAck (a duplicate ack counts: the stream has it), with
 * the stream sequence; a failed publish marks it failed with the reason. Outcomes are written page by
 * page, in order, one transaction each.
 */
export async function drainOutbox(session: NatsSession, store: OutboxSource, options: DrainOptions = {}): Promise<DrainResult> {
  const owner = randomUUID();
  const unpayableBefore = store.unpayableCount;
  try {
    const result = await drainClaimed(session, store, owner, options);
    // An unpayable claim's event was marked failed instead of being sent: a failure like any other.
    return { ...result, failed: result.failed + store.unpayableCount - unpayableBefore };
  } finally {
    await store.releaseLeases(owner);
  }
}

/**
 * Pages are claimed (leased) before they are published, so concurrent ingests and replays each
 * publish their own events; each outcome recorded frees its event, and drainOutbox frees the rest.
 */
async function drainClaimed(session: NatsSession, store: OutboxSource, owner: string, options: DrainOptions): Promise<DrainResult> {
  const timedOut = `no PubAck within ${session.timeoutMs / 1000}s`;
  const window = new InFlightWindow(PUBLISH_WINDOW);
  const result: DrainResult = { published: 0, duplicates: 0, failed: 0, stopped: null, interrupted: false };
  const interrupt = () => {
    result.interrupted = true;
    result.stopped ??= `interrupted by ${String(options.stop?.reason)}`;
  };
  const pages: Page[] = [];
  // Pages are recorded one after another, in order: each write waits for the one before it.
  let recording: Promise<void> = Promise.resolve();
  let recordError: unknown = null;

  const recordSettledPages = () => {
    while (pages[0]?.unsettled === 0) {
      const deliveries = pages.shift()!.deliveries.filter((d): d is Delivery => d !== undefined);
      if (deliveries.length === 0) continue;
      recording = recording.then(async () => {
        if (recordError !== null) return;
        try {
          await store.recordDeliveries(deliveries, new Date().toISOString());
          options.onRecorded?.(deliveries);
        } catch (error) {
          recordError = error;
          result.stopped ??= 'cannot record outcomes in the outbox';
        }
      });
    }
  };

  const settle = (page: Page, index: number, delivery: Delivery) => {
    page.deliveries[index] = delivery;
    page.unsettled--;
    if (delivery.ok) {
      result.published++;
      if (delivery.duplicate) result.duplicates++;
    } else {
      result.failed++;
      // Closed: every further publish would fail at once. Timed out: the server does not answer.
      // No responders for as long: the stream has no leader, and the next events would wait as long.
      if (session.nc.isClosed() || delivery.error === timedOut || delivery.error === NO_RESPONDERS) result.stopped ??= delivery.error;
    }
    window.release();
    recordSettledPages();
  };

  let remaining = options.limit ?? Infinity;
  const claim = (afterSeq: number) => {
    if (remaining <= 0) return NOTHING;
    const claimed = store.claimNext(owner, afterSeq, Math.min(PAGE_SIZE, remaining), LEASE_TIMEOUTS * session.timeoutMs);
    // Awaited in the loop, or after it when publishing stops before it is needed.
    claimed.catch(() => undefined);
    return claimed;
  };
  let next = claim(0);
  reading: for (;;) {
    const events = await next;
    next = NOTHING;
    if (events.length === 0) break;
    // Only when events are left is publishing cut short; drainOutbox releases this page's leases.
    if (options.stop?.aborted) {
      interrupt();
      break;
    }
    remaining -= events.length;
    // The next page is leased and built while this one goes out.
    next = claim(events[events.length - 1]!.seq);
    const page: Page = { deliveries: new Array(events.length), unsettled: events.length };
    pages.push(page);
    for (const [index, event] of events.entries()) {
      // Wait only when the window is full: publishes issued without an await in between leave
      // in one socket write, where an await per publish would flush each on its own.
      while (window.full) await window.released();
      if (options.stop?.aborted) interrupt();
      if (result.stopped !== null) {
        page.unsettled -= events.length - index;
        break reading;
      }
      window.take();
      void deliver(session, event, timedOut).then((delivery) => settle(page, index, delivery));
    }
  }
  await window.idle();
  // A page claimed ahead and not published is released by drainOutbox once its lease is taken; publishing
  // has already stopped for a reason of its own, so an error taking it is not news.
  await next.catch(() => undefined);
  recordSettledPages();
  await recording;
  if (recordError !== null) throw recordError;
  return result;
}

const NOTHING: Promise<DeliverableEvent[]> = Promise.resolve([]);
const NO_RESPONDERS = 'no JetStream stream answered (no responders): is CLAIMS electing a leader, or gone?';

/** How often a publish is tried again while the stream has no leader, for at most the NATS timeout. */
const NO_LEADER_RETRY_MS = 250;

/**
 * Publishes one event and rides out the loss of a node of a cluster. Never rejects: a failure is an
 * outcome to record.
 * - No responders: the stream is electing a new leader (its node died). Tried again every
 *   NO_LEADER_RETRY_MS until the NATS timeout has passed since the first try.
 * - Any other failure after the client reconnected meanwhile: the answer may have gone with the old
 *   connection. Sent once more over the new one; JetStream's duplicate window acknowledges it as a
 *   duplicate if the first copy was stored.
 */
async function deliver(session: NatsSession, event: DeliverableEvent, timedOut: string): Promise<Delivery> {
  const started = Date.now();
  let resent = false;
  for (;;) {
    const reconnects = session.reconnects;
    const attempt = await publish(session, event, timedOut);
    if (attempt.ok || session.nc.isClosed()) return attempt.delivery;
    if (attempt.noResponders) {
      if (Date.now() - started + NO_LEADER_RETRY_MS >= session.timeoutMs) return attempt.delivery;
      await delay(NO_LEADER_RETRY_MS);
    } else if (!resent && session.reconnects !== reconnects) resent = true;
    else return attempt.delivery;
  }
}

type Attempt = { ok: true; delivery: Delivery } | { ok: false; delivery: Delivery; noResponders: boolean };

async function publish(session: NatsSession, event: DeliverableEvent, timedOut: string): Promise<Attempt> {
  const ack = await session.acks.publish(event.subject, event.payload, event.eventId);
  if (ack.ok) return { ok: true, delivery: { event, ok: true, streamSeq: ack.seq, duplicate: ack.duplicate } };
  const why = ack.reason === 'timeout' ? timedOut : ack.reason === 'no-responders' ? NO_RESPONDERS : ack.message;
  return { ok: false, delivery: { event, ok: false, error: why }, noResponders: ack.reason === 'no-responders' };
}

/** Counts the publishes in flight, and wakes the one producer when one settles. */
class InFlightWindow {
  private inFlight = 0;
  private wake: (() => void) | null = null;

  constructor(private readonly size: number) {}

  get full(): boolean {
    return this.inFlight >= this.size;
  }

  take(): void {
    this.inFlight++;
  }

  release(): void {
    this.inFlight--;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Resolves when nothing is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await this.released();
  }

  /** Resolves at the next release. */
  released(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }
}
