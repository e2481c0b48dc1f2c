import type { DeliverableEvent, Delivery, OutboxSource } from '../events/ports.js';
import { DbThread, threadScript } from './db-thread.js';
import { outcomeOf } from './outbox-store.js';
import type { OutboxCall, OutboxState } from './outbox-thread.js';

/**
 * The outbox a publisher drains, served by a thread of its own (src/db/outbox-thread.ts) over a
 * second connection: leasing a page, building its payloads and recording outcomes take no time
 * from the thread that runs the NATS client, so the next page is ready before it is needed.
 * Started at the first lease, stopped by close().
 */
export class ThreadedOutbox implements OutboxSource {
  private unpayable = 0;
  private readonly thread: DbThread<OutboxCall, OutboxState>;

  constructor(path: string) {
    this.thread = new DbThread(threadScript('outbox-thread', import.meta.url), { path }, (unpayable) => {
      this.unpayable = unpayable;
    });
  }

  get unpayableCount(): number {
    return this.unpayable;
  }

  async claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]> {
    return (await this.thread.call({ call: 'claimNext', owner, afterSeq, limit, leaseMs })) as DeliverableEvent[];
  }

  async recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void> {
    // Only what the outbox keeps crosses over: not the payloads.
    await this.thread.call({ call: 'recordOutcomes', outcomes: deliveries.map(outcomeOf), at });
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.thread.call({ call: 'releaseLeases', owner });
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
