import type { Logger } from 'pino';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../../ingest/ports.js';
import type { ReportQueries, ReportTotals } from '../../output/ports.js';
import type { PgDb } from './client.js';
import { PgClaimLookup, PgIngestStore } from './ingest-store.js';
import { openPgDb, openPgDbReadOnly } from './open.js';
import { PgOutboxStore } from './outbox-store.js';
import { pgReportQueries } from './queries.js';

/** The PostgreSQL storage: the ports SqliteStorage implements, over one connection pool. */
export class PostgresStorage {
  private constructor(
    private readonly db: PgDb,
    private readonly readOnly: boolean,
    private readonly migrated: boolean,
  ) {}

  /** Read-write: `create` makes and migrates a missing database (ingest), `existing` refuses one. */
  static async open(url: string, mode: 'create' | 'existing', log: Logger): Promise<PostgresStorage> {
    return new PostgresStorage(await openPgDb(url, mode, log), false, true);
  }

  /** Read-only, never created or migrated; null when the database does not exist. */
  static async openReadOnly(url: string): Promise<PostgresStorage | null> {
    const opened = await openPgDbReadOnly(url);
    return opened ? new PostgresStorage(opened.db, true, opened.migrated) : null;
  }

  ingestSink(): IngestSink {
    return new PgIngestStore(this.db);
  }

  /** null for a database without the tables yet: nothing in it to be a duplicate of. */
  claimLookup(): DuplicateLookup | null {
    return this.migrated ? new PgClaimLookup(this.db) : null;
  }

  outbox(): OutboxSource & OutboxStatus & OutboxListing {
    return new PgOutboxStore(this.db, this.readOnly);
  }

  /** Computed from the claims on each call: PostgreSQL keeps no report totals yet. */
  reportTotals(): ReportTotals {
    return pgReportQueries(this.db);
  }

  reports(): ReportQueries {
    return pgReportQueries(this.db);
  }

  async close(): Promise<void> {
    await this.db.$client.end();
  }
}
