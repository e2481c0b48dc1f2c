import { sql, type Table } from 'drizzle-orm';

// What the listings and the outbox select, written once for both backends: each backend passes its own
// schema's tables, whose columns have the same names, and the selected columns keep that backend's
// types. The keys are the output's (and the event builder's) names, in output order.

/** `table`'s columns under new names: { output name: column name }. */
function columns<T extends Table, const M extends Record<string, keyof T>>(table: T, names: M): { [K in keyof M]: T[M[K]] } {
  return Object.fromEntries(Object.entries(names).map(([key, column]) => [key, table[column]])) as { [K in keyof M]: T[M[K]] };
}

/** `list`: a stored claim with where its event stands. */
export function claimListing<C extends Table & Record<'claimId' | 'claimNumber' | 'serviceDate' | 'providerNpi' | 'planGroupNumber' | 'subscriberNumber' | 'lineCount' | 'netFeeCents' | 'runId', unknown>, O extends Table & Record<'status', unknown>>(
  claims: C,
  outbox: O,
) {
  return {
    ...columns(claims, {
      claim_id: 'claimId',
      claim_number: 'claimNumber',
      service_date: 'serviceDate',
      provider_npi: 'providerNpi',
      plan_group_number: 'planGroupNumber',
      subscriber_number: 'subscriberNumber',
      lines: 'lineCount',
      net_fee_cents: 'netFeeCents',
    }),
    ...columns(outbox, { event_status: 'status' }),
    ...columns(claims, { run_id: 'runId' }),
  };
}

/** `list --lines`: where a line sits, before its output columns (each backend's line-columns.ts). */
export function linePosition<C extends Table & Record<'claimId', unknown>, L extends Table & Record<'lineIndex' | 'sourceRow', unknown>>(claims: C, claimLines: L) {
  return { ...columns(claims, { claim_id: 'claimId' }), ...columns(claimLines, { line_index: 'lineIndex', source_row: 'sourceRow' }) };
}

/** `report rejections`. */
export function rejectionListing<R extends Table & Record<'runId' | 'source' | 'row' | 'errors' | 'values', unknown>>(rejections: R) {
  return columns(rejections, { run_id: 'runId', source: 'source', row: 'row', errors: 'errors', values: 'values' });
}

type RunColumn =
  | 'id'
  | 'source'
  | 'inputFormat'
  | 'status'
  | 'startedAt'
  | 'finishedAt'
  | 'rowsRead'
  | 'rowsRejected'
  | 'claimsStored'
  | 'claimsDuplicate'
  | 'claimsRejected'
  | 'linesStored'
  | 'netFeeCents'
  | 'error';

/** `claims runs`: a run's record, with its events counted by status (`runs` left-joined with `outbox`, grouped by run). */
export function runListing<R extends Table & Record<RunColumn, unknown>, O extends Table & Record<'status', unknown>>(runs: R, outbox: O) {
  // Plain SQL both backends read alike; a run without events counts 0.
  const byStatus = (status: string) => sql<number>`coalesce(sum(case when ${outbox.status} = ${status} then 1 else 0 end), 0)`.mapWith(Number);
  return {
    ...columns(runs, {
      run_id: 'id',
      source: 'source',
      input_format: 'inputFormat',
      status: 'status',
      started_at: 'startedAt',
      finished_at: 'finishedAt',
      rows_read: 'rowsRead',
      rows_rejected: 'rowsRejected',
      claims_stored: 'claimsStored',
      claims_duplicate: 'claimsDuplicate',
      claims_rejected: 'claimsRejected',
      lines_stored: 'linesStored',
      net_fee_cents: 'netFeeCents',
    }),
    events_published: byStatus('published'),
    events_pending: byStatus('pending'),
    events_failed: byStatus('failed'),
    ...columns(runs, { error: 'error' }),
  };
}

/** What a deliverable event is built from: its outbox row and its claim (deliverable-events.ts). */
export function deliverableFields<
  O extends Table & Record<'seq' | 'status' | 'attempts' | 'lastError', unknown>,
  C extends Table & Record<'id' | 'claimId' | 'claimNumber' | 'providerNpi' | 'serviceDate' | 'planGroupNumber' | 'subscriberNumber' | 'netFeeCents', unknown>,
>(outbox: O, claims: C) {
  return {
    ...columns(outbox, { seq: 'seq', status: 'status', attempts: 'attempts', lastError: 'lastError' }),
    ...columns(claims, {
      claimPk: 'id',
      claim_id: 'claimId',
      claim_number: 'claimNumber',
      provider_npi: 'providerNpi',
      service_date: 'serviceDate',
      plan_group_number: 'planGroupNumber',
      subscriber_number: 'subscriberNumber',
      net_fee_cents: 'netFeeCents',
    }),
  };
}
