import type { DeliverableEvent, Delivery, OutboxSource } from '../events/ports.js';
import { DbThread, threadScript } from './db-thread.js';
import { outcomeOf, type OutboxStore } from './outbox-store.js';
import type { OutboxCall, OutboxState } from './outbox-thread.js';

/**
 * The outbox a publisher drains, served by a thread of its own (src/db/outbox-thread.ts) over a
 * second connection: leasing a page, building its payloads and recording outcomes take no time
 * from the thread that runs the NATS client, so the next page is ready before it is needed.
 * The first page is leased on this thread's connection: when it is not full, nothing follows and
 * no thread is started (a replay with nothing or little to send, the usual cron run, saves the
 * thread's start, 200 ms); when it is full, the thread starts while that page is published, and
 * serves the rest. Stopped by close().
 */
export class ThreadedOutbox implements OutboxSource {
  private unpayable = 0;
  private readonly thread: DbThread<OutboxCall, OutboxState>;
  /** Leases and outcomes go to the thread once a full page has been leased here. */
  private onThread = false;

  /** `local`: the outbox on this thread's connection to the database at `path` (the one the storage lists and counts with). */
  constructor(
    readonly local: OutboxStore,
    path: string,
  ) {
    this.thread = new DbThread(threadScript('outbox-thread', import.meta.url), { path }, (unpayable) => {
      this.unpayable = unpayable;
    });
  }

  get unpayableCount(): number {
    return this.unpayable + this.local.unpayableCount;
  }

  async claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]> {
    if (this.onThread) return (await this.thread.call({ call: 'claimNext', owner, afterSeq, limit, leaseMs })) as DeliverableEvent[];
    const events = await this.local.claimNext(owner, afterSeq, limit, leaseMs);
    if (events.length === limit) {
      this.onThread = true;
      this.thread.start();
    }
    return events;
  }

  async recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void> {
    if (!this.onThread) return this.local.recordDeliveries(deliveries, at);
    // Only what the outbox keeps crosses over: not the payloads.
    await this.thread.call({ call: 'recordOutcomes', outcomes: deliveries.map(outcomeOf), at });
  }

  /** After the outcomes recorded before it: the thread answers in order. */
  async releaseLeases(owner: string): Promise<void> {
    if (!this.onThread) return this.local.releaseLeases(owner);
    await this.thread.call({ call: 'releaseLeases', owner });
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
