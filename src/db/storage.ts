import type { Logger } from 'pino';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ReportQueries } from '../output/ports.js';
import type { Db } from './client.js';
import { ClaimLookup, IngestStore } from './ingest-store.js';
import { openDb, openDbReadOnly, openExistingDb } from './open.js';
import { OutboxStore } from './outbox-store.js';
import { reportQueries } from './queries.js';
import { ThreadedOutbox } from './threaded-outbox.js';

/**
 * The SQLite storage: every port the rest of the tree declares, over one connection. The commands
 * open and close it and see only the ports; nothing outside src/db sees the connection.
 */
export class SqliteStorage {
  /** Serves the publishers (see ThreadedOutbox); its thread starts only when one leases events. */
  private publishing: ThreadedOutbox | null = null;

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

  /** Publishing goes through the outbox thread; listing and counting are quick reads on this connection. */
  outbox(): OutboxSource & OutboxStatus & OutboxListing {
    const local = new OutboxStore(this.db);
    const publishing = (this.publishing ??= new ThreadedOutbox(this.db.$client.name));
    return {
      claimNext: (owner, afterSeq, limit, leaseMs) => publishing.claimNext(owner, afterSeq, limit, leaseMs),
      recordDeliveries: (deliveries, at) => publishing.recordDeliveries(deliveries, at),
      releaseLeases: (owner) => publishing.releaseLeases(owner),
      get unpayableCount() {
        return publishing.unpayableCount;
      },
      nextDeliverable: (afterSeq, limit) => local.nextDeliverable(afterSeq, limit),
      deliverableCount: () => local.deliverableCount(),
      countsByRun: (runIds) => local.countsByRun(runIds),
    };
  }

  reports(): ReportQueries {
    return reportQueries(this.db);
  }

  async close(): Promise<void> {
    // No await without a thread: a caller that does not wait still finds the connection closed.
    if (this.publishing) await this.publishing.close();
    this.db.$client.close();
  }
}
