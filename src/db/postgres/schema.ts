import { bigint, bigserial, index, integer, json, pgTable, primaryKey, serial, text } from 'drizzle-orm/pg-core';
import { RUN_STATUSES } from '../../domain/run-statuses.js';
import type { RejectionError } from '../schema.js';

// The PostgreSQL twin of ../schema.ts: the same tables, columns and indexes under the same names, so
// every query answers alike on both. Cents are bigint (read back as numbers): sums over many claims
// outgrow 32 bits. Dates stay YYYY-MM-DD text and times ISO text, as SQLite stores them, so outputs
// match byte for byte (json, not jsonb: a rejected row keeps its columns in their order).

const cents = (name: string) => bigint(name, { mode: 'number' });

/** One input (a file or stdin) of one `claims ingest` invocation. */
export const runs = pgTable('runs', {
  id: serial('id').primaryKey(),
  source: text('source').notNull(),
  inputFormat: text('input_format').notNull(),
  status: text('status', { enum: RUN_STATUSES }).notNull(),
  host: text('host').notNull(),
  pid: integer('pid').notNull(),
  pidStartTime: text('pid_start_time'),
  // Another host's pid cannot be checked: a run there is dead once its lease (epoch ms) has expired.
  owner: text('owner'),
  leaseExpiresAt: bigint('lease_expires_at', { mode: 'number' }),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  rowsRead: integer('rows_read').notNull().default(0),
  rowsRejected: integer('rows_rejected').notNull().default(0),
  claimsStored: integer('claims_stored').notNull().default(0),
  claimsDuplicate: integer('claims_duplicate').notNull().default(0),
  claimsRejected: integer('claims_rejected').notNull().default(0),
  linesStored: integer('lines_stored').notNull().default(0),
  netFeeCents: cents('net_fee_cents').notNull().default(0),
  error: text('error'),
});

export const claims = pgTable(
  'claims',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    claimId: text('claim_id').notNull().unique(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    claimNumber: text('claim_number'),
    serviceDate: text('service_date').notNull(),
    planGroupNumber: text('plan_group_number').notNull(),
    subscriberNumber: text('subscriber_number').notNull(),
    providerNpi: text('provider_npi').notNull(),
    lineCount: integer('line_count').notNull(),
    netFeeCents: cents('net_fee_cents').notNull(),
  },
  (t) => [
    index('claims_provider_date').on(t.providerNpi, t.serviceDate),
    index('claims_service_date').on(t.serviceDate),
    index('claims_claim_number').on(t.claimNumber),
  ],
);

export const claimLines = pgTable(
  'claim_lines',
  {
    claimPk: bigint('claim_pk', { mode: 'number' })
      .notNull()
      .references(() => claims.id, { onDelete: 'cascade' }),
    lineIndex: integer('line_index').notNull(),
    sourceRow: integer('source_row').notNull(),
    lineNumber: text('line_number'),
    serviceDate: text('service_date').notNull(),
    submittedProcedure: text('submitted_procedure').notNull(),
    quadrant: text('quadrant'),
    providerFeesCents: cents('provider_fees_cents').notNull(),
    allowedFeesCents: cents('allowed_fees_cents').notNull(),
    memberCoinsuranceCents: cents('member_coinsurance_cents').notNull(),
    memberCopayCents: cents('member_copay_cents').notNull(),
    netFeeCents: cents('net_fee_cents').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.claimPk, t.lineIndex] }),
    index('claim_lines_procedure').on(t.submittedProcedure),
    index('claim_lines_service_date').on(t.serviceDate),
  ],
);

export const rejections = pgTable(
  'rejections',
  {
    id: serial('id').primaryKey(),
    fingerprint: text('fingerprint').notNull().unique(),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    source: text('source').notNull(),
    row: integer('row').notNull(),
    values: json('values').notNull().$type<Record<string, string>>(),
    errors: json('errors').notNull().$type<RejectionError[]>(),
  },
  (t) => [index('rejections_run').on(t.runId, t.row)],
);

/** The transactional outbox, as in ../schema.ts. */
export const outbox = pgTable(
  'outbox',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    claimPk: bigint('claim_pk', { mode: 'number' })
      .notNull()
      .unique()
      .references(() => claims.id, { onDelete: 'cascade' }),
    runId: integer('run_id')
      .notNull()
      .references(() => runs.id),
    status: text('status', { enum: ['staged', 'pending', 'published', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    streamSeq: bigint('stream_seq', { mode: 'number' }),
    publishedAt: text('published_at'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: text('lease_expires_at'),
  },
  (t) => [index('outbox_status').on(t.status, t.seq), index('outbox_run').on(t.runId, t.status)],
);
