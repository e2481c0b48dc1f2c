// The outbox thread: leases pages, builds their payloads and records outcomes over its own
// connection, so the thread that publishes spends its time on the NATS client alone (see ThreadedOutbox).
import { workerData } from 'node:worker_threads';
import type { DeliverableEvent } from '../events/ports.js';
import { serveThread } from './db-thread.js';
import { openAgain } from './open.js';
import { OutboxStore, type RecordedOutcome } from './outbox-store.js';

export type OutboxCall =
  | { call: 'claimNext'; owner: string; afterSeq: number; limit: number; leaseMs: number }
  | { call: 'recordOutcomes'; outcomes: RecordedOutcome[]; at: string }
  | { call: 'releaseLeases'; owner: string };

/** Told after each answer: the events of unpayable claims met so far. */
export type OutboxState = number;

const db = openAgain((workerData as { path: string }).path);
const store = new OutboxStore(db);

serveThread<OutboxCall, OutboxState>({
  answer(request) {
    switch (request.call) {
      case 'claimNext':
        return store.claimNext(request.owner, request.afterSeq, request.limit, request.leaseMs);
      case 'recordOutcomes':
        return store.recordOutcomes(request.outcomes, request.at);
      case 'releaseLeases':
        return store.releaseLeases(request.owner);
    }
  },
  state: () => store.unpayableCount,
  // A page's payloads share one buffer (OutboxStore.toEvents): moved, not copied.
  transferOf(request, value) {
    const page = request.call === 'claimNext' ? ((value as DeliverableEvent[])[0]?.payload.buffer as ArrayBuffer | undefined) : undefined;
    return page ? [page] : [];
  },
  close: () => db.$client.close(),
});
