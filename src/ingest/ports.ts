import type { Claim, Issue } from '../domain/types.js';
import type { InputRow } from './normalise.js';

/**
 * What the ingest pipeline needs from storage, declared here by its consumer and implemented in
 * src/db. Async where a network database would wait: one await per batch of rows, never per row.
 */
export interface IngestSink {
  /** Rows it takes best in one batch; ROWS_PER_BATCH when not given. */
  readonly batchRows?: number;
  /**
   * Batches it may be handed before the first of them is stored; 1 when not given. More only where
   * they are stored one after the other in the order they came (claims keep the input's order).
   */
  readonly writesInFlight?: number;
  /** Records a run that is reading `source`; its batches stay invisible until it is accepted. */
  startRun(source: string, inputFormat: string, startedAt: string): Promise<number>;
  /**
   * Stores a batch whole or not at all. A claim already stored by an accepted run is a duplicate.
   * With `commit` false the next batch follows at once: the sink may commit them together (nothing
   * of a run counts before it is accepted), and commits on its own if none comes soon.
   */
  writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[], commit: boolean): Promise<BatchResult>;
  /**
   * The input was read to the end: its claims and events count. Returns what the run holds now
   * (another run reading the same claims may have taken some over).
   */
  acceptRun(runId: number, counts: RunCounts, finishedAt: string): Promise<StoredCounts>;
  /** The input was refused or interrupted: whatever its batches wrote goes; the run records why. */
  abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string, finishedAt: string): Promise<void>;
}

/** A dry run asks only which claims are already stored, a batch at a time. */
export interface DuplicateLookup {
  storedAmong(claimIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/** Where rejected rows go besides the database (the --rejects file). */
export interface RejectsSink {
  write(header: readonly string[], row: InputRow, issues: readonly Issue[]): void;
}

/**
 * Payment event delivery during an ingest: after each accepted input, and where the events stand
 * at the end. `unpublished` feeds the exit code.
 */
export interface RunEvents<Outcome extends { unpublished: boolean }> {
  deliver(): Promise<void>;
  outcome(runs: readonly { runId: number | null }[]): Promise<Outcome>;
}

export interface ClaimToStore {
  claim: Claim;
  /** The input row of each line, in line order. */
  rows: number[];
}

export interface RejectionError {
  rule: string;
  field: string | null;
  value: string;
  message: string;
}

export interface RejectionToStore {
  fingerprint: string;
  source: string;
  row: number;
  values: Record<string, string>;
  errors: RejectionError[];
}

/** What a batch stored: its new claims, their lines and net fee, and how many were duplicates. */
export interface BatchResult {
  claimsStored: number;
  linesStored: number;
  netFeeCents: number;
  duplicates: number;
}

/** The result of a batch that stored `stored` and found `duplicates` claims already stored. */
export function batchStored(stored: readonly Claim[], duplicates: number): BatchResult {
  let linesStored = 0;
  let netFeeCents = 0;
  for (const claim of stored) {
    linesStored += claim.lines.length;
    netFeeCents += claim.net_fee_cents;
  }
  return { claimsStored: stored.length, linesStored, netFeeCents, duplicates };
}

/** What a run holds when it is accepted: its own claims and those it adopted. */
export interface StoredCounts {
  claimsStored: number;
  linesStored: number;
  netFeeCents: number;
}

export interface RunCounts {
  rowsRead: number;
  rowsRejected: number;
  claimsStored: number;
  claimsDuplicate: number;
  claimsRejected: number;
  linesStored: number;
  netFeeCents: number;
}
