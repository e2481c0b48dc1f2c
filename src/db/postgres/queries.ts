import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { PgSelect } from 'drizzle-orm/pg-core';
import type { RunStatus } from '../../domain/run-statuses.js';
import type { ClaimFilters, ClaimRow, LineRow, Listing, ProviderTotal, ReportQueries, ReportTotals, RejectionRow, RunRow, Totals } from '../../output/ports.js';
import type { PgDb } from './client.js';
import { OUTPUT_COLUMNS } from './line-columns.js';
import { accepted, claimConditions, listClaimConditions, listLineConditions } from '../claim-filters.js';
import { claimListing, linePosition, rejectionListing, runListing } from '../selections.js';
import { claimLines, claims, outbox, rejections, runs } from './schema.js';

/** The tables the list filters read (claim-filters.ts). */
const TABLES = { claims, claimLines, outbox };

/** Rows per page of a streamed listing: one round trip per page. */
const PAGE_ROWS = 1_000;

/** The report port over PostgreSQL: the queries of ../queries.ts, in PostgreSQL's words. */
export function pgReportQueries(db: PgDb): ReportQueries & ReportTotals {
  return {
    countClaims: (f) => countClaims(db, f),
    countLines: (f) => countLines(db, f),
    listClaims: (f) => listClaims(db, f),
    listLines: (f) => listLines(db, f),
    topProviders: (f) => topProviders(db, f),
    totals: () => totals(db),
    listRejections: (f) => listRejections(db, f),
    listRuns: (f) => listRuns(db, f),
  };
}

/**
 * Streams a select through a server-side cursor, a page per round trip, so a million claims reach
 * stdout in bounded memory. Rows come back as arrays (joined tables share column names) and are
 * keyed in the select's order.
 */
function listing<T>(db: PgDb, query: PgSelect): Listing<T> {
  const keys = Object.keys(query._.selectedFields);
  const { sql: text, params } = query.toSQL();
  async function* pages(): AsyncGenerator<T[]> {
    for await (const values of db.$client.unsafe(text, params as never[]).values().cursor(PAGE_ROWS)) {
      yield (values as unknown as unknown[][]).map((row) => {
        const keyed: Record<string, unknown> = {};
        keys.forEach((key, i) => (keyed[key] = row[i]));
        return keyed as T;
      });
    }
  }
  return { columns: keys, pages: pages() };
}

/** Limit and offset as given; no limit is no limit clause (SQLite's -1). */
function paged<Q extends PgSelect>(query: Q, f: { limit?: number; offset?: number }): Q {
  const limited = f.limit === undefined ? query : (query.limit(f.limit) as Q);
  return (f.offset ? limited.offset(f.offset) : limited) as Q;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A sum of cents, exact at any size: read as text, then a number where that is exact, else a bigint. */
function exactSum(column: typeof claims.netFeeCents) {
  return sql<number | bigint>`coalesce(sum(${column}), 0)::text`.mapWith((text: string) => {
    const sum = BigInt(text);
    return sum <= MAX_SAFE && sum >= -MAX_SAFE ? Number(sum) : sum;
  });
}

const COUNT = sql<number>`count(*)`.mapWith(Number);


async function countClaims(db: PgDb, f: ClaimFilters): Promise<number> {
  const [row] = await db.select({ n: COUNT }).from(claims).where(and(...listClaimConditions(TABLES, f)));
  return row!.n;
}

async function countLines(db: PgDb, f: ClaimFilters): Promise<number> {
  const [row] = await db
    .select({ n: COUNT })
    .from(claimLines)
    .innerJoin(claims, eq(claims.id, claimLines.claimPk))
    .where(and(...listLineConditions(TABLES, f)));
  return row!.n;
}

/** Claims in the order they were stored. */
function listClaims(db: PgDb, f: ClaimFilters): Listing<ClaimRow> {
  const query = db
    .select(claimListing(claims, outbox))
    .from(claims)
    .leftJoin(outbox, eq(outbox.claimPk, claims.id))
    .where(and(...listClaimConditions(TABLES, f)))
    .orderBy(asc(claims.id))
    .$dynamic();
  return listing<ClaimRow>(db, paged(query, f));
}

/** Lines of the stored claims, claim by claim; date and procedure filters apply to each line. */
function listLines(db: PgDb, f: ClaimFilters): Listing<LineRow> {
  const query = db
    .select({ ...linePosition(claims, claimLines), ...OUTPUT_COLUMNS })
    .from(claimLines)
    .innerJoin(claims, eq(claims.id, claimLines.claimPk))
    .where(and(...listLineConditions(TABLES, f)))
    .orderBy(asc(claimLines.claimPk), asc(claimLines.lineIndex))
    .$dynamic();
  return listing<LineRow>(db, paged(query, f));
}

/** Providers by total net fee, highest first; equal totals in NPI order so ranks are stable. */
async function topProviders(db: PgDb, f: { limit: number; from?: string; to?: string }): Promise<ProviderTotal[]> {
  return db
    .select({
      provider_npi: claims.providerNpi,
      net_fee_cents: exactSum(claims.netFeeCents),
      claims: COUNT,
      lines: sql<number>`sum(${claims.lineCount})`.mapWith(Number),
    })
    .from(claims)
    .where(and(...claimConditions(TABLES, f, claims.serviceDate)))
    .groupBy(claims.providerNpi)
    // Byte order, as SQLite compares text, whatever the database's collation.
    .orderBy(desc(sql`sum(${claims.netFeeCents})`), asc(sql`${claims.providerNpi} collate "C"`))
    .limit(f.limit);
}

/** One repeatable-read transaction: every count is of the same moment, even while an ingest commits batches. */
async function totals(db: PgDb): Promise<Totals> {
  return db.transaction(
    async (tx) => {
      const count = async (table: typeof rejections | typeof runs) => (await tx.select({ n: COUNT }).from(table))[0]!.n;
      const [claimTotals] = await tx
        .select({
          claims: COUNT,
          lines: sql<number>`coalesce(sum(${claims.lineCount}), 0)`.mapWith(Number),
          providers: sql<number>`count(distinct ${claims.providerNpi})`.mapWith(Number),
          netFee: exactSum(claims.netFeeCents),
        })
        .from(claims)
        .where(accepted(TABLES));
      const events = Object.fromEntries(
        (await tx.select({ status: outbox.status, n: COUNT }).from(outbox).groupBy(outbox.status)).map((row) => [row.status, row.n]),
      ) as Partial<Record<string, number>>;
      return {
        claims: claimTotals!.claims,
        lines: claimTotals!.lines,
        providers: claimTotals!.providers,
        net_fee_cents: claimTotals!.netFee,
        rows_rejected: await count(rejections),
        runs: await count(runs),
        events_published: events.published ?? 0,
        // Staged events belong to an input still being read: not deliverable yet, so not pending.
        events_pending: events.pending ?? 0,
        events_failed: events.failed ?? 0,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

async function listRejections(db: PgDb, f: { run?: number; limit?: number }): Promise<RejectionRow[]> {
  const query = db
    .select(rejectionListing(rejections))
    .from(rejections)
    .where(f.run === undefined ? undefined : eq(rejections.runId, f.run))
    .orderBy(asc(rejections.runId), asc(rejections.row))
    .$dynamic();
  return paged(query, f);
}

/** Ingest runs, newest first, with where their events stand. */
async function listRuns(db: PgDb, f: { status?: RunStatus; limit?: number }): Promise<{ columns: string[]; rows: RunRow[] }> {
  const selection = runListing(runs, outbox);
  const query = db
    .select(selection)
    .from(runs)
    .leftJoin(outbox, eq(outbox.runId, runs.id))
    .where(f.status === undefined ? undefined : eq(runs.status, f.status))
    .groupBy(runs.id)
    .orderBy(desc(runs.id))
    .$dynamic();
  return { columns: Object.keys(selection), rows: (await paged(query, f)) as RunRow[] };
}
