// The outbox thread: leases pages, builds their payloads and records outcomes over its own
// connection, so the thread that publishes spends its time on the NATS client alone.
// Requests are answered one at a time, in the order they were sent (see ThreadedOutbox).
import { parentPort, workerData } from 'node:worker_threads';
import type { DeliverableEvent } from '../events/ports.js';
import { openAgain } from './open.js';
import { OutboxStore, type RecordedOutcome } from './outbox-store.js';

export type ThreadRequest =
  | { id: number; call: 'claimNext'; owner: string; afterSeq: number; limit: number; leaseMs: number }
  | { id: number; call: 'recordOutcomes'; outcomes: RecordedOutcome[]; at: string }
  | { id: number; call: 'releaseLeases'; owner: string }
  | { id: number; call: 'close' };

export type ThreadReply =
  | { id: number; value: unknown; unpayableCount: number }
  | { id: number; error: { message: string; code?: unknown } };

const port = parentPort!;
const db = openAgain((workerData as { path: string }).path);
const store = new OutboxStore(db);

async function answer(request: ThreadRequest): Promise<unknown> {
  switch (request.call) {
    case 'claimNext':
      return store.claimNext(request.owner, request.afterSeq, request.limit, request.leaseMs);
    case 'recordOutcomes':
      return store.recordOutcomes(request.outcomes, request.at);
    case 'releaseLeases':
      return store.releaseLeases(request.owner);
    case 'close':
      db.$client.close();
      port.close();
      return undefined;
  }
}

port.on('message', async (request: ThreadRequest) => {
  let reply: ThreadReply;
  try {
    reply = { id: request.id, value: await answer(request), unpayableCount: store.unpayableCount };
  } catch (error) {
    // The code (SQLITE_BUSY, SQLITE_FULL…) is what tells a full disk from a damaged file.
    const { message, code } = error as { message: string; code?: unknown };
    reply = { id: request.id, error: { message, code } };
  }
  // A page's payloads share one buffer (OutboxStore.toEvents): moved, not copied.
  const page = request.call === 'claimNext' && 'value' in reply ? ((reply.value as DeliverableEvent[])[0]?.payload.buffer as ArrayBuffer | undefined) : undefined;
  if (request.call !== 'close') port.postMessage(reply, page ? [page] : []);
});
