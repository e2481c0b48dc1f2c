import { AdjacentGrouper, sameClaim } from '../domain/grouping.js';
import type { RuleSet } from '../domain/rules.js';
import { InputRefusedError, InterruptedError, type StopSignal } from '../errors.js';
import { settleClaim, warningFindings } from './group.js';
import { RowNormaliser } from './normalise.js';
import type { BatchResult, DuplicateLookup, IngestSink, RejectsSink } from './ports.js';
import { readRecords, type InputFormat } from './read.js';
import { rejectionRecord } from './rejects.js';
import {
  countAccepted,
  countRefused,
  countRejectedClaim,
  countRowsRead,
  countWarnings,
  countWritten,
  NO_TOTALS,
  runCounts,
  type RunTotals,
} from './totals.js';
import { validateInput, type ValidatedRow, type ValidateOptions } from './validate.js';
import { emptyBatch, isBatchFull, ROWS_PER_BATCH, ROWS_PER_TRANSACTION, writeBatch, type Batch, type WriteTarget } from './write.js';

export type { RowFinding } from './totals.js';

export interface IngestOptions {
  source: string;
  format: InputFormat;
  rules: RuleSet;
  /** YYYY-MM-DD; service dates after it are in the future. */
  today: string;
  maxErrors: number | null;
  /** Rows written per transaction; ROWS_PER_TRANSACTION when not given. */
  batchRows?: number;
}

/** Where an ingest writes: a sink, or (a dry run) nowhere, looking up what is already stored. */
export type IngestStorage = { sink: IngestSink } | { dryRun: { lookup: DuplicateLookup | null } };

export interface IngestDeps {
  stdin: NodeJS.ReadableStream;
  storage: IngestStorage;
  rejects: RejectsSink | null;
  /** After each batch read and at the end, with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
  /** Aborted (with the signal's name as reason) when the command is asked to stop. */
  stop?: AbortSignal;
}

export interface RunSummary extends RunTotals {
  runId: number | null;
  source: string;
  inputFormat: InputFormat;
  status: 'completed' | 'refused' | 'dry_run';
  error: string | null;
}

const now = () => new Date().toISOString();

/**
 * One input through the stages: read → normalise → validate → group → write (rejected rows also to
 * the rejects sink). Returns the run's summary; an input refused part way leaves nothing behind.
 */
export async function ingestInput(options: IngestOptions, deps: IngestDeps): Promise<RunSummary> {
  const { source } = options;
  const sink = 'sink' in deps.storage ? deps.storage.sink : null;
  const runId = sink ? await sink.startRun(source, options.format, now()) : null;
  const target: WriteTarget = sink && runId !== null ? { sink, runId } : { lookup: 'dryRun' in deps.storage ? deps.storage.dryRun.lookup : null };
  // In this order: logs print a run's fields as they come, its id first.
  const summary = (totals: RunTotals, status: RunSummary['status'], error: string | null = null): RunSummary => ({
    runId,
    source,
    inputFormat: options.format,
    status,
    ...totals,
    error,
  });

  const normaliser = new RowNormaliser(source);
  const grouper = new AdjacentGrouper<ValidatedRow>((first, row) => sameClaim(first.key, row.key, normaliser.hasClaimNumber));
  let totals = NO_TOTALS;
  // Where settled claims go: the batch being filled (replaced after each write), built once rather than per claim.
  const into: SettleInto = { source, rejects: deps.rejects, batch: emptyBatch(), columns: [] };
  const validation: ValidateOptions = { rules: options.rules, today: options.today };
  // A transaction takes batches until it holds rowsPerTransaction rows: fewer commits, bounded memory.
  const rowsPerTransaction = options.batchRows ?? ROWS_PER_TRANSACTION;
  const rowsPerBatch = Math.min(rowsPerTransaction, sink?.batchRows ?? ROWS_PER_BATCH);
  let uncommittedRows = 0;
  // Batches are written while the next are read, as many at once as the sink takes: the oldest is
  // awaited before another starts. Counted in the order they were sent.
  const writesInFlight = sink?.writesInFlight ?? 1;
  const writes: Promise<BatchResult>[] = [];
  const settleOldestWrite = async (): Promise<void> => {
    const oldest = writes.shift();
    if (oldest) totals = countWritten(totals, await oldest);
  };

  try {
    for await (const records of untilStopped(readRecords(source, options.format, deps.stdin), deps.stop)) {
      // Counted a chunk at a time (the totals are a value replaced on every count), up to the row
      // being read when the input is refused part way.
      let rowsInChunk = 0;
      try {
        for (const record of records) {
          const input = normaliser.normalise(record);
          if (input === null) continue;
          rowsInChunk++;
          const claimRows = grouper.push(validateInput(input, validation));
          if (claimRows) {
            into.columns = normaliser.columns ?? [];
            totals = settle(totals, claimRows, into);
            refuseIfTooManyRejected(totals, options.maxErrors, source);
            if (isBatchFull(into.batch, rowsPerBatch)) {
              uncommittedRows += into.batch.rows;
              const commit = uncommittedRows >= rowsPerTransaction;
              if (commit) uncommittedRows = 0;
              if (writes.length >= writesInFlight) await settleOldestWrite();
              const write = writeBatch(target, into.batch, commit);
              // Its failure is met where it is awaited; until then it must not count as unhandled.
              write.catch(() => undefined);
              writes.push(write);
              into.batch = emptyBatch();
            }
          }
        }
      } finally {
        totals = countRowsRead(totals, rowsInChunk);
      }
      deps.onProgress?.(totals.rowsRead);
    }
    if (normaliser.columns === null) throw new InputRefusedError(source, normaliser.noHeaderReason);
    const lastClaim = grouper.flush();
    if (lastClaim) {
      into.columns = normaliser.columns;
      totals = settle(totals, lastClaim, into);
      refuseIfTooManyRejected(totals, options.maxErrors, source);
    }
    while (writes.length > 0) await settleOldestWrite();
    totals = countWritten(totals, await writeBatch(target, into.batch));
    deps.onProgress?.(totals.rowsRead);
    if (!sink || runId === null) return summary(totals, 'dry_run');
    totals = countAccepted(totals, await sink.acceptRun(runId, runCounts(totals), now()));
    return summary(totals, 'completed');
  } catch (error) {
    // The run is settled after its last write, which may fail too: the first failure is the one told.
    await Promise.allSettled(writes);
    if (sink && runId !== null) {
      const [status, reason] =
        error instanceof InterruptedError
          ? (['interrupted', `stopped by ${error.signal} before the input was read to the end`] as const)
          : (['refused', (error as Error).message] as const);
      try {
        await sink.abandonRun(runId, runCounts(totals), status, reason, now());
      } catch {
        // The run stays 'running', its claims not accepted: the next command discards them.
      }
    }
    if (!(error instanceof InputRefusedError)) throw error;
    return summary(countRefused(totals), 'refused', error.message);
  }
}

interface SettleInto {
  source: string;
  batch: Batch;
  /** The input's header, for the rejects sink. */
  columns: readonly string[];
  rejects: RejectsSink | null;
}

/**
 * A claim's rows through the group stage: the claim into the batch, or its rows into the batch's
 * rejections and the rejects sink. Returns the new totals.
 */
function settle(totals: RunTotals, rows: readonly ValidatedRow[], into: SettleInto): RunTotals {
  const withWarnings = rows.some((r) => r.warnings.length > 0) ? countWarnings(totals, warningFindings(rows)) : totals;
  const settled = settleClaim(rows);
  if (settled.kind === 'stored') {
    into.batch.claims.push(settled.claim);
    into.batch.rows += rows.length;
    return withWarnings;
  }
  for (const { input, errors } of settled.rows) {
    into.batch.rejections.push(rejectionRecord(into.source, input, errors));
    into.rejects?.write(into.columns, input, errors);
  }
  into.batch.rows += settled.rows.length;
  return countRejectedClaim(withWarnings, settled.rows.map((r) => ({ row: r.input.row, issues: r.errors })));
}

/** --max-errors: past it, the input is refused whole (its totals say how far it got). */
function refuseIfTooManyRejected(totals: RunTotals, maxErrors: number | null, source: string): void {
  if (maxErrors !== null && totals.rowsRejected > maxErrors) {
    throw new InputRefusedError(source, `more than ${maxErrors} rows rejected (--max-errors); nothing of it was kept`);
  }
}

/**
 * The input's chunks until the command is asked to stop: a stop lands between batches (each batch is
 * one transaction, committed whole or not at all), and does not wait for a slow input's next chunk.
 */
async function* untilStopped<T>(source: AsyncIterable<T>, stop: AbortSignal | undefined): AsyncGenerator<T> {
  if (!stop) return yield* source;
  const iterator = source[Symbol.asyncIterator]();
  let done = false;
  try {
    while (!done) {
      const next = await nextUnlessStopped(iterator, stop);
      done = next.done ?? false;
      if (!done) yield next.value;
    }
  } finally {
    // Not awaited: after a stop, the input's pending read may never settle.
    if (!done) void iterator.return?.()?.catch(() => undefined);
  }
}

/**
 * The next chunk, or InterruptedError as soon as the stop comes. Not Promise.race against one
 * long-lived "stopped" promise: each race leaves a reaction on it that holds that chunk until the end
 * of the input, so every record read would stay in memory.
 */
function nextUnlessStopped<T>(iterator: AsyncIterator<T>, stop: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onStop = () => reject(new InterruptedError(stop.reason as StopSignal));
    if (stop.aborted) return onStop();
    stop.addEventListener('abort', onStop, { once: true });
    const settle = () => stop.removeEventListener('abort', onStop);
    iterator.next().then(
      (result) => {
        settle();
        resolve(result);
      },
      (error: unknown) => {
        settle();
        reject(error);
      },
    );
  });
}
