import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { RUN_STATUSES } from '../domain/run-statuses.js';

/** One input (a file or stdin) of one `claims ingest` invocation. */
export const runs = sqliteTable('runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  source: text('source').notNull(),
  inputFormat: text('input_format').notNull(),
  status: text('status', { enum: RUN_STATUSES }).notNull(),
  // Which process is writing a running run, so a later ingest can tell a live run from a killed one.
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  // When the pid started (from /proc), so a reused pid is not taken for the run's process.
  pidStartTime: text('pid_start_time'),
  // A random token per process and a lease it renews while it works: a run on another host (where
  // the pid means nothing) is dead once its lease has expired.
  owner: text('owner'),
  leaseExpiresAt: integer('lease_expires_at'),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  rowsRead: integer('rows_read').notNull().default(0),
  rowsRejected: integer('rows_rejected').notNull().default(0),
  claimsStored: integer('claims_stored').notNull().default(0),
  claimsDuplicate: integer('claims_duplicate').notNull().default(0),
  claimsRejected: integer('claims_rejected').notNull().default(0),
  linesStored: integer('lines_stored').notNull().default(0),
  netFeeCents: integer('net_fee_cents').notNull().default(0),
  error: text('error'),
});

export const claims = sqliteTable(
  'claims',
  {
    // Lines and events refer to this integer key: appended in order, where the hash-derived claim id
    // would land at random places in every index that holds it.
    id: integer('id').primaryKey(),
    // Derived from a hash of the key and every line: the same claim ingested again is a duplicate.
    claimId: text('claim_id').notNull().unique(),
    runId: integer('run_id').notNull().references(() => runs.id),
    claimNumber: text('claim_number'),
    serviceDate: text('service_date').notNull(),
    planGroupNumber: text('plan_group_number').notNull(),
    subscriberNumber: text('subscriber_number').notNull(),
    providerNpi: text('provider_npi').notNull(),
    lineCount: integer('line_count').notNull(),
    netFeeCents: integer('net_fee_cents').notNull(),
  },
  (t) => [
    // No index by provider or by service date: a claim's entry would land anywhere in either, and
    // keeping them cost an ingest a third of its time. `list --provider` reads provider_claims,
    // reports by date read provider_day_totals.
    index('claims_claim_number').on(t.claimNumber),
    // A run's claims, found to accept or discard it: until then they have no outbox entry. Entries
    // are appended in order as a run is written.
    index('claims_run').on(t.runId),
  ],
);

/**
 * The accepted claims by provider and date of service, for `list --provider`: what an index of
 * claims on both would hold, but added a run at a time when it is accepted (acceptRun), sorted, so
 * an ingest walks it once instead of landing each claim's entry at a random place as it is written.
 * Triggers (drizzle/0005_provider_claims.sql) move an entry when a claim's provider or date is
 * changed by hand and delete it with its claim: by its whole key, where a foreign key would have to
 * search the table by claim.
 */
export const providerClaims = sqliteTable(
  'provider_claims',
  {
    providerNpi: text('provider_npi').notNull(),
    serviceDate: text('service_date').notNull(),
    claimPk: integer('claim_pk').notNull(),
  },
  (t) => [primaryKey({ columns: [t.providerNpi, t.serviceDate, t.claimPk] })],
);

export const claimLines = sqliteTable(
  'claim_lines',
  {
    claimPk: integer('claim_pk')
      .notNull()
      .references(() => claims.id, { onDelete: 'cascade' }),
    lineIndex: integer('line_index').notNull(),
    sourceRow: integer('source_row').notNull(),
    lineNumber: text('line_number'),
    serviceDate: text('service_date').notNull(),
    submittedProcedure: text('submitted_procedure').notNull(),
    quadrant: text('quadrant'),
    providerFeesCents: integer('provider_fees_cents').notNull(),
    allowedFeesCents: integer('allowed_fees_cents').notNull(),
    memberCoinsuranceCents: integer('member_coinsurance_cents').notNull(),
    memberCopayCents: integer('member_copay_cents').notNull(),
    netFeeCents: integer('net_fee_cents').notNull(),
  },
  // No index on a line's procedure or date: every line of an ingest would add two entries spread
  // over the whole of each (a third of the ingest's SQLite time). `list --lines` reads lines in key
  // order anyway (its output order), filtering as it goes, so it needs no sort.
  (t) => [primaryKey({ columns: [t.claimPk, t.lineIndex] })],
);

export const rejections = sqliteTable(
  'rejections',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    // Hash of source, row, values and errors: a rerun of the same input records a row once.
    fingerprint: text('fingerprint').notNull().unique(),
    runId: integer('run_id').notNull().references(() => runs.id),
    source: text('source').notNull(),
    row: integer('row').notNull(),
    values: text('values', { mode: 'json' }).notNull().$type<Record<string, string>>(),
    errors: text('errors', { mode: 'json' }).notNull().$type<RejectionError[]>(),
  },
  (t) => [index('rejections_run').on(t.runId, t.row)],
);

export interface RejectionError {
  rule: string;
  field: string | null;
  value: string;
  message: string;
}

/**
 * The transactional outbox: one payment event per accepted claim, written `pending` in the
 * transaction that accepts its input (the claims of an input still being read, or killed, have
 * none), so a refused input never reaches the payments service. Writing them then, rather than
 * `staged` with each batch and flipped at the end, spares an ingest a write of every entry.
 * A `staged` event (an older claims wrote them, or a hand edit) leaves its claim not accepted.
 * The event itself (id, subject, payload) is
 * built from the stored claim when it is published: claims never change, so every delivery of an
 * event carries the same bytes, and a status update rewrites a small row, not a payload.
 */
export const outbox = sqliteTable(
  'outbox',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    claimPk: integer('claim_pk')
      .notNull()
      .unique()
      .references(() => claims.id, { onDelete: 'cascade' }),
    runId: integer('run_id').notNull().references(() => runs.id),
    status: text('status', { enum: ['staged', 'pending', 'published', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    streamSeq: integer('stream_seq'),
    publishedAt: text('published_at'),
    /** The publisher that claimed the event and until when (ISO time): concurrent publishers skip it meanwhile. */
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: text('lease_expires_at'),
  },
  (t) => [index('outbox_status').on(t.status, t.seq), index('outbox_run').on(t.runId, t.status)],
);

/** What every totals table keeps per key: the accepted claims, their lines and their net fee. */
function acceptedTotals() {
  return {
    claims: integer('claims').notNull(),
    lines: integer('lines').notNull(),
    netFeeCents: integer('net_fee_cents').notNull(),
  };
}

/**
 * Report totals (issue 9), kept exact as claims are written so `report summary` and
 * `report top-providers` read a few thousand rows whatever the number of claims; the whole design is
 * described in src/db/report-totals.ts. Per provider, per provider and month of service
 * (`YYYY-MM`), and per provider and day of service: claims, lines and net fee of the accepted claims.
 */
export const providerTotals = sqliteTable('provider_totals', {
  providerNpi: text('provider_npi').primaryKey(),
  ...acceptedTotals(),
});

export const providerMonthTotals = sqliteTable(
  'provider_month_totals',
  {
    month: text('month').notNull(),
    providerNpi: text('provider_npi').notNull(),
    ...acceptedTotals(),
  },
  (t) => [primaryKey({ columns: [t.month, t.providerNpi] })],
);

/** The days at the edges of a dated report's range, which whole months do not cover. */
export const providerDayTotals = sqliteTable(
  'provider_day_totals',
  {
    serviceDate: text('service_date').notNull(),
    providerNpi: text('provider_npi').notNull(),
    ...acceptedTotals(),
  },
  (t) => [primaryKey({ columns: [t.serviceDate, t.providerNpi] })],
);

/** One row (id 1): the rejected rows and the events per delivery status, kept by triggers and acceptRun. */
export const reportCounts = sqliteTable('report_counts', {
  id: integer('id').primaryKey(),
  rowsRejected: integer('rows_rejected').notNull(),
  eventsPending: integer('events_pending').notNull(),
  eventsPublished: integer('events_published').notNull(),
  eventsFailed: integer('events_failed').notNull(),
});
