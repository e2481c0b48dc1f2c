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
// SQLite's own default page cache (2 MB), not better-sqlite3's 16 MB: the claims' indexes outgrow any
// cache at volume, most of the write cost is rewriting their pages at each commit, and the process's
// peak must stay within its bound (1M lines: 112 MiB with it, 122-126 MiB with 4-16 MB).
db.$client.pragma('cache_size = -2000');
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
