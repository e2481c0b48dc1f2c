import type { Issue } from '../domain/types.js';
import type { BatchResult, RunCounts, StoredCounts } from './ports.js';

export interface RowFinding {
  row: number;
  issues: Issue[];
}

/** A run's running totals: a value, replaced (never edited) by the functions below. */
export interface RunTotals extends RunCounts {
  warnings: number;
  /** The first few rejected rows and warnings, for the human summary. */
  sampleRejections: readonly RowFinding[];
  sampleWarnings: readonly RowFinding[];
}

export const SAMPLE_SIZE = 10;

export const NO_TOTALS: RunTotals = {
  rowsRead: 0,
  rowsRejected: 0,
  claimsStored: 0,
  claimsDuplicate: 0,
  claimsRejected: 0,
  linesStored: 0,
  netFeeCents: 0,
  warnings: 0,
  sampleRejections: [],
  sampleWarnings: [],
};

export function countRowsRead(totals: RunTotals, rows: number): RunTotals {
  return rows === 0 ? totals : { ...totals, rowsRead: totals.rowsRead + rows };
}

/** The warnings of a claim's rows, whether the claim is stored or rejected. */
export function countWarnings(totals: RunTotals, findings: readonly RowFinding[]): RunTotals {
  const found = findings.filter((f) => f.issues.length > 0);
  if (found.length === 0) return totals;
  return {
    ...totals,
    warnings: totals.warnings + found.reduce((n, f) => n + f.issues.length, 0),
    sampleWarnings: withSample(totals.sampleWarnings, found),
  };
}

/** A claim rejected whole: every one of its rows, each with its reasons. */
export function countRejectedClaim(totals: RunTotals, rows: readonly RowFinding[]): RunTotals {
  return {
    ...totals,
    rowsRejected: totals.rowsRejected + rows.length,
    claimsRejected: totals.claimsRejected + 1,
    sampleRejections: withSample(totals.sampleRejections, rows),
  };
}

/** A batch written (or, on a dry run, looked up): its new claims and its duplicates. */
export function countWritten(totals: RunTotals, written: BatchResult): RunTotals {
  return {
    ...totals,
    claimsStored: totals.claimsStored + written.claimsStored,
    claimsDuplicate: totals.claimsDuplicate + written.duplicates,
    linesStored: totals.linesStored + written.linesStored,
    netFeeCents: totals.netFeeCents + written.netFeeCents,
  };
}

/** What the accepted run holds: claims another run adopted meanwhile are duplicates here. */
export function countAccepted(totals: RunTotals, stored: StoredCounts): RunTotals {
  return { ...totals, ...stored, claimsDuplicate: totals.claimsDuplicate + totals.claimsStored - stored.claimsStored };
}

/** A refused input keeps nothing. */
export function countRefused(totals: RunTotals): RunTotals {
  return { ...totals, claimsStored: 0, linesStored: 0, netFeeCents: 0 };
}

/** The totals a run records in storage. */
export function runCounts(totals: RunTotals): RunCounts {
  const { rowsRead, rowsRejected, claimsStored, claimsDuplicate, claimsRejected, linesStored, netFeeCents } = totals;
  return { rowsRead, rowsRejected, claimsStored, claimsDuplicate, claimsRejected, linesStored, netFeeCents };
}

function withSample(sample: readonly RowFinding[], findings: readonly RowFinding[]): readonly RowFinding[] {
  return sample.length >= SAMPLE_SIZE ? sample : [...sample, ...findings].slice(0, SAMPLE_SIZE);
}
