import { batchStored, type BatchResult, type ClaimToStore, type DuplicateLookup, type IngestSink, type RejectionToStore } from './ports.js';

/**
 * Rows per transaction by default (--batch-rows): each commit writes every index page its claims
 * touched, and a claim's index entries land all over each index, so at volume fewer commits cost
 * far less; a few seconds of write lock keeps other writers' wait short.
 */
export const ROWS_PER_TRANSACTION = 100_000;

/** Rows held in memory and handed to the sink at once, whatever the transaction's size (unless the sink takes fewer). */
export const ROWS_PER_BATCH = 20_000;

/** What the write stage writes at once: settled claims and rejected rows, stored whole or not at all. */
export interface Batch {
  claims: ClaimToStore[];
  rejections: RejectionToStore[];
  /** Rows in the batch: the stored claims' lines and the rejected rows. */
  rows: number;
}

export const emptyBatch = (): Batch => ({ claims: [], rejections: [], rows: 0 });

export function isBatchFull(batch: Batch, rowsPerBatch = ROWS_PER_BATCH): boolean {
  return batch.rows >= rowsPerBatch;
}

/** Where a batch goes: a run in the sink, or (a dry run) nowhere, with stored claims looked up. */
export type WriteTarget = { sink: IngestSink; runId: number } | { lookup: DuplicateLookup | null };

/**
 * The write stage: one await per batch; `commit` false when the batch's transaction is to take the
 * next batch too. A dry run reports what would be stored.
 */
export async function writeBatch(target: WriteTarget, batch: Batch, commit = true): Promise<BatchResult> {
  if ('sink' in target) return target.sink.writeBatch(target.runId, batch.claims, batch.rejections, commit);
  const stored = target.lookup ? await target.lookup.storedAmong(batch.claims.map(({ claim }) => claim.claim_id)) : new Set<string>();
  const fresh = batch.claims.filter(({ claim }) => !stored.has(claim.claim_id)).map(({ claim }) => claim);
  return batchStored(fresh, batch.claims.length - fresh.length);
}
