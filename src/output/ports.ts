import type { RunStatus } from '../domain/run-statuses.js';
import type { OutputLine } from '../domain/types.js';

/**
 * What `list`, `runs` and `report` read from storage, declared here beside the writers that print
 * it and implemented in src/db. Rows come under their output names. Async where a network database
 * would wait: a page of rows per await, never a row.
 */
export interface ReportQueries {
  /** How many claims (or lines) `listClaims` (or `listLines`) would give without limit and offset. */
  countClaims(f: ClaimFilters): Promise<number>;
  countLines(f: ClaimFilters): Promise<number>;
  /** The stored claims (or their lines), page by page, in bounded memory. */
  listClaims(f: ClaimFilters): Listing<ClaimRow>;
  listLines(f: ClaimFilters): Listing<LineRow>;
  listRejections(f: { run?: number; limit?: number }): Promise<RejectionRow[]>;
  listRuns(f: { status?: RunStatus; limit?: number }): Promise<{ columns: string[]; rows: RunRow[] }>;
}

/**
 * What `report top-providers` and `report summary` print: figures storage keeps as claims are
 * written, so reading them costs the same whatever the number of claims.
 */
export interface ReportTotals {
  topProviders(f: { limit: number; from?: string; to?: string }): Promise<ProviderTotal[]>;
  /** Every count of the same moment. */
  totals(): Promise<Totals>;
}

/** Rows streamed a page at a time, with their columns known before the first (an empty result still has them). */
export interface Listing<T> {
  columns: string[];
  pages: AsyncIterable<T[]>;
}

export interface ClaimFilters {
  provider?: string;
  procedure?: string;
  from?: string;
  to?: string;
  claim?: string;
  limit?: number;
  offset?: number;
}

export interface ClaimRow extends Record<string, unknown> {
  claim_id: string;
  claim_number: string | null;
  service_date: string;
  provider_npi: string;
  plan_group_number: string;
  subscriber_number: string;
  lines: number;
  net_fee_cents: number;
  event_status: string | null;
  run_id: number;
}

/** A line as `list --lines` shows it: where it sits, then its fields (domain/fields.ts) by output name. */
export type LineRow = { claim_id: string; line_index: number; source_row: number } & OutputLine;

export interface ProviderTotal {
  provider_npi: string;
  net_fee_cents: number | bigint;
  claims: number;
  lines: number;
}

export interface Totals {
  claims: number;
  lines: number;
  providers: number;
  net_fee_cents: number | bigint;
  rows_rejected: number;
  runs: number;
  events_published: number;
  events_pending: number;
  events_failed: number;
}

export interface RejectionRow extends Record<string, unknown> {
  run_id: number;
  source: string;
  row: number;
  errors: { rule: string; field: string | null; value: string; message: string }[];
  values: Record<string, string>;
}

/** A run's counts under the same names as the record `claims ingest` prints for it. */
export interface RunRow extends Record<string, unknown> {
  run_id: number;
  source: string;
  input_format: string;
  status: RunStatus;
  started_at: string;
  finished_at: string | null;
  rows_read: number;
  rows_rejected: number;
  claims_stored: number;
  claims_duplicate: number;
  claims_rejected: number;
  lines_stored: number;
  net_fee_cents: number;
  events_published: number;
  events_pending: number;
  events_failed: number;
  error: string | null;
}
