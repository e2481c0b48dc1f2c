import { buildClaim, claimIssues } from '../domain/claim.js';
import type { Issue } from '../domain/types.js';
import type { InputRow } from './normalise.js';
import type { ClaimToStore } from './ports.js';
import type { RowFinding } from './totals.js';
import type { ValidatedRow } from './validate.js';

export interface RejectedRow {
  input: InputRow;
  /** Never empty: a row rejected only for another line's sake says so. */
  errors: Issue[];
}

/** A claim's rows settled: a claim to store, or every row rejected. */
export type SettledClaim = { kind: 'stored'; claim: ClaimToStore } | { kind: 'rejected'; rows: RejectedRow[] };

/**
 * The group stage, after AdjacentGrouper has collected a claim's adjacent rows: if any row of a
 * claim is rejected, or the claim as a whole breaks a rule, every row is: no partial claim is stored or paid.
 */
export function settleClaim(rows: readonly ValidatedRow[]): SettledClaim {
  if (rows.some((r) => r.line === null)) return rejectAll(rows, []);
  const lines = rows.map((r) => r.line!);
  const claimErrors = claimIssues(lines).filter((i) => i.severity === 'error');
  if (claimErrors.length > 0) return rejectAll(rows, claimErrors);
  return { kind: 'stored', claim: { claim: buildClaim(lines), rows: rows.map((r) => r.input.row) } };
}

/** The warnings of a claim's rows, one finding per row. */
export function warningFindings(rows: readonly ValidatedRow[]): RowFinding[] {
  return rows.map((r) => ({ row: r.input.row, issues: r.warnings }));
}

function rejectAll(rows: readonly ValidatedRow[], claimErrors: Issue[]): SettledClaim {
  const firstBad = rows.find((r) => r.errors.length > 0)?.input.row;
  return {
    kind: 'rejected',
    rows: rows.map((row) => {
      const errors = [...row.errors, ...claimErrors];
      if (errors.length === 0) {
        errors.push({
          rule: 'claim_rejected',
          field: null,
          value: '',
          message: `another line of this claim was rejected (row ${firstBad})`,
          severity: 'error',
        });
      }
      return { input: row.input, errors };
    }),
  };
}
