import type { Logger } from 'pino';
import type { RunStatus } from '../domain/run-statuses.js';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ClaimFilters, Listing, ReportQueries } from '../output/ports.js';
import type { Db } from './client.js';
import { ClaimLookup, IngestStore } from './ingest-store.js';
import { openDb, openDbReadOnly, openExistingDb } from './open.js';
import { OutboxStore } from './outbox-store.js';
import { countClaims, countLines, listClaims, listLines, listRejections, listRuns, topProviders, totals, type Rows } from './queries.js';

/** Rows per page of a streamed listing: one await per page. */
const PAGE_ROWS = 1_000;

/**
 * The SQLite storage: every port the rest of the tree declares, over one connection. The commands
 * open and close it and see only the ports; nothing outside src/db sees the connection.
 */
export class SqliteStorage {
  private constructor(private readonly db: Db) {}

  /** Read-write, created and migrated if needed, after discarding what killed runs left behind. */
  static open(path: string, log: Logger): SqliteStorage {
    return new SqliteStorage(openDb(path, log));
  }

  /** Read-write; a missing database is refused (only ingest creates one). */
  static openExisting(path: string, log: Logger): SqliteStorage {
    return new SqliteStorage(openExistingDb(path, log));
  }

  /** Read-only, never created or migrated; null when there is no database yet. */
  static openReadOnly(path: string): SqliteStorage | null {
    const db = openDbReadOnly(path);
    return db ? new SqliteStorage(db) : null;
  }

  ingestSink(): IngestSink {
    return new IngestStore(this.db);
  }

  /** null for a database made before the tables existed: nothing in it to be a duplicate of. */
  claimLookup(): DuplicateLookup | null {
    try {
      return new ClaimLookup(this.db);
    } catch {
      return null;
    }
  }

  outbox(): OutboxSource & OutboxStatus & OutboxListing {
    return new OutboxStore(this.db);
  }

  reports(): ReportQueries {
    const db = this.db;
    return {
      countClaims: async (f: ClaimFilters) => countClaims(db, f),
      countLines: async (f: ClaimFilters) => countLines(db, f),
      listClaims: (f: ClaimFilters) => listing(listClaims(db, f)),
      listLines: (f: ClaimFilters) => listing(listLines(db, f)),
      topProviders: async (f) => topProviders(db, f),
      totals: async () => totals(db),
      listRejections: async (f) => listRejections(db, f),
      listRuns: async (f: { status?: RunStatus; limit?: number }) => listRuns(db, f),
    };
  }

  close(): void {
    this.db.$client.close();
  }
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
