import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { ClaimFilters, ClaimRow, LineRow, Listing, ReportQueries, RejectionRow, RunRow } from '../output/ports.js';
import type { RunStatus } from '../domain/run-statuses.js';
import type { Db } from './client.js';
import { OUTPUT_COLUMNS } from './line-columns.js';
import { listClaimConditions, listLineConditions } from './claim-filters.js';
import { claimListing, linePosition, rejectionListing, runListing } from './selections.js';
import { claimLines, claims, outbox, providerClaims, rejections, runs } from './schema.js';

/** The tables the list filters read (claim-filters.ts). */
const TABLES = { claims, claimLines, outbox, providerClaims };

/** Rows per page of a streamed listing: one await per page. */
const PAGE_ROWS = 1_000;

/** The report port over SQLite: a new report is its query below and one entry here. */
export function reportQueries(db: Db): ReportQueries {
  return {
    countClaims: async (f) => countClaims(db, f),
    countLines: async (f) => countLines(db, f),
    listClaims: (f) => listing(listClaims(db, f)),
    listLines: (f) => listing(listLines(db, f)),
    listRejections: async (f) => listRejections(db, f),
    listRuns: async (f) => listRuns(db, f),
  };
}

function listing<T>(rows: Rows<T>): Listing<T> {
  return { columns: rows.columns, pages: pages(rows) };
}

async function* pages<T>(rows: Iterable<T>): AsyncGenerator<T[]> {
  let page: T[] = [];
  for (const row of rows) {
    page.push(row);
    if (page.length >= PAGE_ROWS) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

/**
 * Runs a drizzle select lazily, row by row, so a million claims stream to stdout in bounded memory.
 * Rows come back as arrays (joined tables share column names) and are keyed in the select's order.
 */
function iterate<T extends Record<string, unknown>>(
  db: Db,
  query: { toSQL(): { sql: string; params: unknown[] }; _: { selectedFields: Record<string, unknown> } },
): Rows<T> {
  const keys = Object.keys(query._.selectedFields);
  const { sql: text, params } = query.toSQL();
  const statement = db.$client.prepare(text).raw(true);
  function* rows(): Generator<T> {
    for (const values of statement.iterate(...params) as Iterable<unknown[]>) {
      const row: Record<string, unknown> = {};
      keys.forEach((key, i) => (row[key] = values[i]));
      yield row as T;
    }
  }
  return Object.assign(rows(), { columns: keys });
}

/** Rows read lazily, with their keys known before the first (an empty result still has columns). */
type Rows<T> = Generator<T> & { columns: string[] };


const COUNT = sql<number>`count(*)`.mapWith(Number);

/** How many rows `listClaims` would give without limit and offset, so a page can say how many more there are. */
function countClaims(db: Db, f: ClaimFilters): number {
  return db.select({ n: COUNT }).from(claims).where(and(...listClaimConditions(TABLES, f))).get()!.n;
}

function countLines(db: Db, f: ClaimFilters): number {
  return db
    .select({ n: COUNT })
    .from(claimLines)
    .innerJoin(claims, eq(claims.id, claimLines.claimPk))
    .where(and(...listLineConditions(TABLES, f)))
    .get()!.n;
}

/** Claims in the order they were stored. */
function listClaims(db: Db, f: ClaimFilters): Rows<ClaimRow> {
  const conditions = listClaimConditions(TABLES, f);
  const query = db
    .select(claimListing(claims, outbox))
    .from(claims)
    .leftJoin(outbox, eq(outbox.claimPk, claims.id))
    .where(and(...conditions))
    .orderBy(asc(claims.id))
    .limit(f.limit ?? -1)
    .offset(f.offset ?? 0);
  return iterate<ClaimRow>(db, query);
}

/** Lines of the stored claims, claim by claim; date and procedure filters apply to each line. */
function listLines(db: Db, f: ClaimFilters): Rows<LineRow> {
  const conditions = listLineConditions(TABLES, f);
  const query = db
    .select({ ...linePosition(claims, claimLines), ...OUTPUT_COLUMNS })
    .from(claimLines)
    .innerJoin(claims, eq(claims.id, claimLines.claimPk))
    .where(and(...conditions))
    .orderBy(asc(claimLines.claimPk), asc(claimLines.lineIndex))
    .limit(f.limit ?? -1)
    .offset(f.offset ?? 0);
  return iterate<LineRow>(db, query);
}

function listRejections(db: Db, f: { run?: number; limit?: number }): RejectionRow[] {
  return db
    .select(rejectionListing(rejections))
    .from(rejections)
    .where(f.run === undefined ? undefined : eq(rejections.runId, f.run))
    .orderBy(asc(rejections.runId), asc(rejections.row))
    .limit(f.limit ?? -1)
    .all();
}

/** Ingest runs, newest first, with where their events stand. */
function listRuns(db: Db, f: { status?: RunStatus; limit?: number }): { columns: string[]; rows: RunRow[] } {
  const selection = runListing(runs, outbox);
  const rows = db
    .select(selection)
    .from(runs)
    .leftJoin(outbox, eq(outbox.runId, runs.id))
    .where(f.status === undefined ? undefined : eq(runs.status, f.status))
    .groupBy(runs.id)
    .orderBy(desc(runs.id))
    .limit(f.limit ?? -1)
    .all() as RunRow[];
  return { columns: Object.keys(selection), rows };
}
