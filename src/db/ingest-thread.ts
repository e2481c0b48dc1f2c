// The ingest's writer thread: writes a run's batches after its first over its own connection while
// the main thread reads, validates and groups the next batch (see ThreadedIngest).
import { workerData } from 'node:worker_threads';
import type { RejectionToStore, RunCounts } from '../ingest/ports.js';
import type { EncodedClaims } from './claim-batch.js';
import { serveThread } from './db-thread.js';
import { IngestStore } from './ingest-store.js';
import { openAgain } from './open.js';
import { writeAsOwner, type RunOwner } from './runs.js';

export type IngestCall =
  | { call: 'continueRun'; runId: number }
  | { call: 'writeBatch'; runId: number; claims: EncodedClaims; rejections: readonly RejectionToStore[]; commit: boolean }
  | { call: 'acceptRun'; runId: number; counts: RunCounts; finishedAt: string }
  | { call: 'abandonRun'; runId: number; counts: RunCounts; status: 'refused' | 'interrupted'; reason: string; finishedAt: string };

const { path, owner } = workerData as { path: string; owner: RunOwner };
writeAsOwner(owner);
const db = openAgain(path);
// 8 MB of page cache, not better-sqlite3's 16 MB: the claim id index outgrows any cache at volume
// (its entries land at random places), and the process's peak must stay within its bound. Against
// SQLite's own 2 MB, the writer's batches of a 1M-line run replayed alone take 0.82x the time
// (less re-reading and spilling of index pages), the process's peak 111-114 MiB against 106-110
// MiB, with IngestStore.acceptRun shrinking it while the run's claims are grouped.
db.$client.pragma('cache_size = -8000');
// Its commits are checkpointed into the database every 16,000 WAL pages (64 MB), not SQLite's 1,000:
// each commit of 100,000 rows fills several thousand, so every commit was copied back whole, and the
// claim id index's pages that every transaction touches again were copied each time. A 1M-line
// ingest writes 613 MB against 669 MB; 5 pairs of ingests: 0.87, 0.80, 0.96, 1.06, 0.96 of the time.
db.$client.pragma('wal_autocheckpoint = 16000');
const store = new IngestStore(db);

serveThread<IngestCall, undefined>({
  answer(request) {
    switch (request.call) {
      case 'continueRun':
        return store.keepAlive(request.runId);
      case 'writeBatch':
        return store.writeBatch(request.runId, request.claims, request.rejections, request.commit);
      case 'acceptRun':
        return store.acceptRun(request.runId, request.counts, request.finishedAt);
      case 'abandonRun':
        return store.abandonRun(request.runId, request.counts, request.status, request.reason, request.finishedAt);
    }
  },
  state: () => undefined,
  close() {
    store.stopRenewing();
    db.$client.close();
  },
});
