import { workerData } from 'node:worker_threads';
import { STARTED, THREAD_SCRIPT } from './db-thread.js';

// Every database thread's first script, small so that it runs soon after the thread's isolate is
// made: it tells the thread that started it, which may be waiting (DbThread's waitUntilStarted),
// then loads the thread's own script.
const data = workerData as Record<string, unknown>;
const started = data[STARTED];
if (started instanceof Int32Array) {
  Atomics.store(started, 0, 1);
  Atomics.notify(started, 0);
}
await import(data[THREAD_SCRIPT] as string);
