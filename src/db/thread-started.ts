import { workerData } from 'node:worker_threads';
import { STARTED } from './db-thread.js';

// Imported first by a thread's script: tells the thread that started it, which may be waiting
// (db-thread.ts, DbThread's waitUntilStarted), that this thread's isolate exists.
const started = (workerData as Record<string, unknown> | null)?.[STARTED];
if (started instanceof Int32Array) {
  Atomics.store(started, 0, 1);
  Atomics.notify(started, 0);
}
