import type { BatchResult, ClaimToStore, DuplicateLookup, IngestSink, RejectionToStore } from './ports.js';

/** Rows per transaction by default: large enough to amortise the commit, small enough to keep locks short. */
export const ROWS_PER_BATCH = 20_000;

/** What the write stage writes at once: settled claims and rejected rows, one transaction. */
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

/** The write stage: one await per batch. A dry run reports what would be stored. */
export async function writeBatch(target: WriteTarget, batch: Batch): Promise<BatchResult> {
  if ('sink' in target) return target.sink.writeBatch(target.runId, batch.claims, batch.rejections);
  const stored = target.lookup ? await target.lookup.storedAmong(batch.claims.map(({ claim }) => claim.claim_id)) : new Set<string>();
  const fresh = batch.claims.filter(({ claim }) => !stored.has(claim.claim_id)).map(({ claim }) => claim);
  return { stored: fresh, duplicates: batch.claims.length - fresh.length };
}
