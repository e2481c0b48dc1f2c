import type { Logger } from 'pino';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ReportQueries } from '../output/ports.js';
import type { Db } from './client.js';
import { ClaimLookup, IngestStore } from './ingest-store.js';
import { openDb, openDbReadOnly, openExistingDb } from './open.js';
import { OutboxStore } from './outbox-store.js';
import { reportQueries } from './queries.js';

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
    return reportQueries(this.db);
  }

  close(): void {
    this.db.$client.close();
  }
}

export { isPostgresUrl, redactUrl } from './postgres/url.js';

/**
 * The PostgreSQL storage for a postgres:// URL, loaded on first use so SQLite commands never load
 * the driver. `create` makes a missing database; `read-only` gives null for one.
 */
export async function openPostgresStorage(url: string, mode: 'create' | 'existing' | 'read-only', log: Logger) {
  const { PostgresStorage } = await import('./postgres/storage.js');
  return mode === 'read-only' ? PostgresStorage.openReadOnly(url) : PostgresStorage.open(url, mode, log);
}

/** Copies a SQLite database into an empty PostgreSQL one (docs/postgresql.md); loads the driver only then. */
export async function copySqliteToPostgres(path: string, url: string, log: Logger) {
  const { copySqliteToPostgres: copy } = await import('./postgres/copy.js');
  return copy(path, url, log);
}
