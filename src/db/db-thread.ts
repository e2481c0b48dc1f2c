import { once } from 'node:events';
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import { reapplyHeapFlags } from '../heap-flags.js';

/*
 * A store served by a thread of its own over its own connection (the ingest's writer, the
 * publishers' outbox): its SQLite work takes no time from the main thread, which meanwhile parses
 * the input or runs the NATS client. Requests are answered one at a time, in the order they were
 * sent.
 */

/** What crosses from the thread when a request fails: what the main thread needs to name the failure. */
export interface ThreadFailure {
  message: string;
  /** SQLITE_BUSY, SQLITE_FULL…: what tells a full disk from a damaged file. */
  code?: unknown;
  /** The error's class name (RunTakenOverError…), for the caller to throw its own again. */
  name: string;
}

/** Where a thread says it runs: a shared Int32Array its entry sets to 1 (`thread-entry.ts`). */
export const STARTED = 'threadStarted';
/** The thread's own script, which its entry loads. */
export const THREAD_SCRIPT = 'threadScript';
/** Long enough for any thread to start; past it, the caller goes on without waiting. */
const START_WAIT_MS = 2_000;

type Reply<State> = { id: number; value: unknown; state: State } | { id: number; error: ThreadFailure };
type Request<Call> = Call & { id: number };
const CLOSE = { id: -1, close: true } as const;

/**
 * The thread's script. Under vitest the modules run from src/ as TypeScript, which a worker cannot
 * load: the compiled one from dist/ runs then (the tests build first).
 */
export function threadScript(name: string, from: string): URL {
  return from.endsWith('.ts') ? new URL(`../../dist/db/${name}.js`, from) : new URL(`./${name}.js`, from);
}

/** The main thread's side: started at the first call, stopped by close(). */
export class DbThread<Call extends object, State = undefined> {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(
    private readonly script: URL,
    private readonly workerData: Record<string, unknown>,
    /** Told the thread's state after each answer (what the store counts besides its answers). */
    private readonly onState: (state: State) => void = () => undefined,
    private readonly resourceLimits?: ResourceLimits,
    /** Whether starting the thread blocks this one until the thread runs (the ingest's writer, started mid-parse). */
    private readonly waitUntilStarted = false,
  ) {}

  call(request: Call, transfer: readonly ArrayBuffer[] = []): Promise<unknown> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    const answered = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // Referenced only while an answer is awaited: an idle thread must not keep the process alive.
    if (this.pending.size === 1) worker.ref();
    worker.postMessage({ ...request, id } satisfies Request<Call>, transfer);
    return answered;
  }

  /** Waits for the requests sent, then closes the thread's connection and the thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = once(worker, 'exit');
    worker.ref();
    worker.postMessage(CLOSE);
    await exited;
  }

  /** Starts the thread ahead of its first call, so it is ready by then; idle, it keeps nothing alive. */
  start(): void {
    if (!this.worker) this.spawn().unref();
  }

  private spawn(): Worker {
    const started = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(threadScript('thread-entry', import.meta.url), {
      workerData: { ...this.workerData, [STARTED]: started, [THREAD_SCRIPT]: this.script.href },
      resourceLimits: this.resourceLimits,
    });
    if (this.waitUntilStarted) {
      // While a thread's isolate is made, V8 lets this thread's young generation grow (heap-flags.ts):
      // this one allocates nothing meanwhile (a few tens of ms, once) and sets its flags again then.
      Atomics.wait(started, 0, 0, START_WAIT_MS);
      reapplyHeapFlags();
    }
    worker.once('online', reapplyHeapFlags);
    worker.on('message', (reply: Reply<State>) => this.settle(reply));
    const fail = (error: Error) => {
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      if (this.worker === worker) this.worker = null;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`a database thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply<State>): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker?.unref();
    if ('error' in reply) {
      const { message, code, name } = reply.error;
      waiting.reject(Object.assign(new Error(message), { code, threadErrorName: name }));
    } else {
      this.onState(reply.state);
      waiting.resolve(reply.value);
    }
  }
}

/** The class name of an error a thread answered with (see ThreadFailure), or undefined. */
export function threadErrorName(error: unknown): string | undefined {
  return (error as { threadErrorName?: string }).threadErrorName;
}

/** What a thread's script gives serveThread: its answers, its state, and how it closes. */
export interface ThreadService<Call, State> {
  /** Its SQLite work done before it returns (a promise it returns settles at once): answers stay in order. */
  answer(request: Call): unknown;
  state(): State;
  /** Buffers of an answer that move to the main thread rather than being copied. */
  transferOf?(request: Call, value: unknown): ArrayBuffer[];
  close(): void;
}

/** The thread's side: answers each request in turn until the main thread closes it. */
export function serveThread<Call extends object, State>(service: ThreadService<Call, State>): void {
  const port = parentPort!;
  port.on('message', async (request: Request<Call> | typeof CLOSE) => {
    if ('close' in request) {
      service.close();
      port.close();
      return;
    }
    let reply: Reply<State>;
    let transfer: ArrayBuffer[] = [];
    try {
      const value = await service.answer(request);
      reply = { id: request.id, value, state: service.state() };
      transfer = service.transferOf?.(request, value) ?? [];
    } catch (error) {
      const { message, code } = error as { message: string; code?: unknown };
      reply = { id: request.id, error: { message, code, name: (error as Error).constructor?.name ?? 'Error' } };
    }
    port.postMessage(reply, transfer);
  });
}
