import { RunTakenOverError } from '../errors.js';
import type { BatchResult, ClaimToStore, IngestSink, RejectionToStore, RunCounts, StoredCounts } from '../ingest/ports.js';
import { encodeClaims } from './claim-batch.js';
import type { Db } from './client.js';
import { DbThread, threadErrorName, threadScript } from './db-thread.js';
import { IngestStore } from './ingest-store.js';
import type { IngestCall } from './ingest-thread.js';
import { runOwner } from './runs.js';

/**
 * The ingest sink in SQLite. A run's first batch is written on this thread's connection; the
 * batches after it by a writer thread of its own (src/db/ingest-thread.ts), so SQLite's work on one
 * batch overlaps the reading and validating of the next (the pipeline keeps one write in flight).
 * A small input, one batch, never starts the thread: it would cost more to start than it saves.
 */
export class ThreadedIngest implements IngestSink {
  /**
   * Two batches are in memory while one is written (it, and the next being read): small ones keep
   * the peak low (one short-lived enough to die young), and cost nothing in commits (a transaction
   * takes many). 1M lines: 112 MiB with 1,000 rows, 122 MiB with 2,000, 155 MiB with 20,000.
   */
  readonly batchRows = 1_000;
  /**
   * The thread stores the batches in the order they came, so several can wait for it: reading and
   * writing each take a varying time per batch, and with one in flight each thread waited for the
   * other a fifth of an ingest (1M lines: 0.91x the time with two, 0.97x that again with four).
   * Those waiting are already copied to the thread, a few hundred KB each.
   */
  readonly writesInFlight = 4;
  private readonly local: IngestStore;
  private readonly writer: DbThread<IngestCall>;
  /** Where each run's batches are written: here (its first), then by the thread. */
  private readonly writtenBy = new Map<number, 'here' | 'thread'>();

  constructor(db: Db) {
    this.local = new IngestStore(db);
    // The thread writes as this process's runs' owner: the lease and acceptance checks name it.
    this.writer = new DbThread(
      threadScript('ingest-thread', import.meta.url),
      { path: db.$client.name, owner: runOwner() },
      undefined,
      // It holds one batch at a time: a small young generation keeps its heap from growing.
      { maxYoungGenerationSizeMb: 1 },
      // Started at a run's second batch, while this thread parses.
      true,
    );
  }

  async startRun(source: string, inputFormat: string, startedAt: string): Promise<number> {
    return this.local.startRun(source, inputFormat, startedAt);
  }

  /**
   * Not async, nor is anything that holds the batch while the thread writes it: a suspended async
   * function keeps its arguments, which kept the batch being written in memory beside the next.
   */
  writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[], commit: boolean): Promise<BatchResult> {
    try {
      const claims = encodeClaims(toStore);
      const writer = this.writtenBy.get(runId);
      if (writer === undefined) {
        this.writtenBy.set(runId, 'here');
        return Promise.resolve(this.local.writeBatch(runId, claims, toReject, commit));
      }
      if (writer === 'here') {
        // A second batch: the input is long enough for the thread, which takes the write lock next.
        this.local.handOver();
        this.writtenBy.set(runId, 'thread');
        // Its failure, if any, is the next request's too.
        this.call({ call: 'continueRun', runId }).catch(() => undefined);
      }
      return this.call({ call: 'writeBatch', runId, claims, rejections: toReject, commit }) as Promise<BatchResult>;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async acceptRun(runId: number, counts: RunCounts, finishedAt: string): Promise<StoredCounts> {
    if (this.writtenBy.get(runId) !== 'thread') return this.local.acceptRun(runId, counts, finishedAt);
    return (await this.call({ call: 'acceptRun', runId, counts, finishedAt })) as StoredCounts;
  }

  async abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string, finishedAt: string): Promise<void> {
    if (this.writtenBy.get(runId) !== 'thread') return this.local.abandonRun(runId, counts, status, reason, finishedAt);
    await this.call({ call: 'abandonRun', runId, counts, status, reason, finishedAt });
  }

  /** Stops the lease renewals and the writer thread (waiting for what it was asked to do). */
  async close(): Promise<void> {
    this.local.stopRenewing();
    await this.writer.close();
  }

  /** The thread's answer, its RunTakenOverError thrown again as one. */
  private call(request: IngestCall): Promise<unknown> {
    const { runId } = request;
    return this.writer.call(request).catch((error: unknown) => {
      throw threadErrorName(error) === RunTakenOverError.name ? new RunTakenOverError(runId) : error;
    });
  }
}
