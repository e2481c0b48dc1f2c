import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { DeliverableEvent, Delivery, OutboxSource } from '../events/ports.js';
import { outcomeOf } from './outbox-store.js';
import type { ThreadReply, ThreadRequest } from './outbox-thread.js';

/**
 * The thread's script. Under vitest this module runs from src/ as TypeScript, which a worker cannot
 * load: it then runs the compiled one from dist/ (the tests build first).
 */
const THREAD_SCRIPT = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/db/outbox-thread.js', import.meta.url)
  : new URL('./outbox-thread.js', import.meta.url);

type Call = ThreadRequest extends infer R ? (R extends ThreadRequest ? Omit<R, 'id'> : never) : never;

/**
 * The outbox a publisher drains, served by a thread of its own (src/db/outbox-thread.ts) over a
 * second connection: leasing a page, building its payloads and recording outcomes take no time
 * from the thread that runs the NATS client, so the next page is ready before it is needed.
 * Started at the first lease, stopped by close().
 */
export class ThreadedOutbox implements OutboxSource {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private unpayable = 0;

  constructor(private readonly path: string) {}

  get unpayableCount(): number {
    return this.unpayable;
  }

  async claimNext(owner: string, afterSeq: number, limit: number, leaseMs: number): Promise<DeliverableEvent[]> {
    return (await this.call({ call: 'claimNext', owner, afterSeq, limit, leaseMs })) as DeliverableEvent[];
  }

  async recordDeliveries(deliveries: readonly Delivery[], at: string): Promise<void> {
    // Only what the outbox keeps crosses over: not the payloads.
    await this.call({ call: 'recordOutcomes', outcomes: deliveries.map(outcomeOf), at });
  }

  async releaseLeases(owner: string): Promise<void> {
    await this.call({ call: 'releaseLeases', owner });
  }

  /** Waits for the requests sent, then closes the thread's connection and the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = once(worker, 'exit');
    worker.ref();
    worker.postMessage({ id: -1, call: 'close' } satisfies ThreadRequest);
    await exited;
  }

  private call(request: Call): Promise<unknown> {
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Referenced only while an answer is awaited: an idle thread must not keep the process alive.
    if (this.pending.size === 1) worker.ref();
    worker.postMessage({ ...request, id });
    return answered;
  }

  private start(): Worker {
    const worker = new Worker(THREAD_SCRIPT, { workerData: { path: this.path } });
    worker.on('message', (reply: ThreadReply) => this.settle(reply));
    const fail = (error: Error) => {
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the outbox thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: ThreadReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) waiting.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
    else {
      this.unpayable = reply.unpayableCount;
      waiting.resolve(reply.value);
    }
  }
}
