import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ReportQueries, ReportTotals } from '../output/ports.js';
import type { Db } from './client.js';
import { connectExisting } from './connect.js';
import type { PostgresStorage } from './postgres/storage.js';
import { reportTotals } from './report-totals.js';

/** The modules built on drizzle, loaded by the commands that use them: a report of totals needs none. */
async function drizzleModules() {
  const [open, ingestStore, threadedIngest, outboxStore, queries, threadedOutbox] = await Promise.all([
    import('./open.js'),
    import('./ingest-store.js'),
    import('./threaded-ingest.js'),
    import('./outbox-store.js'),
    import('./queries.js'),
    import('./threaded-outbox.js'),
  ]);
  return { ...open, ...ingestStore, ...threadedIngest, ...outboxStore, ...queries, ...threadedOutbox };
}
type DrizzleModules = Awaited<ReturnType<typeof drizzleModules>>;

/**
 * The SQLite storage: every port the rest of the tree declares, over one connection. The commands
 * open and close it and see only the ports; nothing outside src/db sees the connection.
 */
export class SqliteStorage {
  /** Serves the publishers (see ThreadedOutbox); its thread starts only when one leases events. */
  private publishing: InstanceType<DrizzleModules['ThreadedOutbox']> | null = null;
  /** Writes ingests; its writer thread starts only when a run has more than one batch. */
  private ingesting: InstanceType<DrizzleModules['ThreadedIngest']> | null = null;

  private constructor(
    private readonly db: Db,
    private readonly modules: DrizzleModules,
  ) {}

  /** Read-write, created and migrated if needed, after discarding what killed runs left behind. */
  static async open(path: string, log: Logger): Promise<SqliteStorage> {
    const modules = await drizzleModules();
    return new SqliteStorage(modules.openDb(path, log), modules);
  }

  /** Read-write; a missing database is refused (only ingest creates one). */
  static async openExisting(path: string, log: Logger): Promise<SqliteStorage> {
    const modules = await drizzleModules();
    return new SqliteStorage(modules.openExistingDb(path, log), modules);
  }

  /** Read-only, never created or migrated; null when there is no database yet. */
  static async openReadOnly(path: string): Promise<SqliteStorage | null> {
    const modules = await drizzleModules();
    const db = modules.openDbReadOnly(path);
    return db ? new SqliteStorage(db, modules) : null;
  }

  /** The report totals alone, over the driver alone (a missing database is refused). */
  static async openTotals(path: string, log: Logger): Promise<SqliteTotals> {
    return new SqliteTotals(await connectExisting(path, log));
  }

  ingestSink(): IngestSink {
    return (this.ingesting ??= new this.modules.ThreadedIngest(this.db));
  }

  /** null for a database made before the tables existed: nothing in it to be a duplicate of. */
  claimLookup(): DuplicateLookup | null {
    try {
      return new this.modules.ClaimLookup(this.db);
    } catch {
      return null;
    }
  }

  /** Publishing goes through ThreadedOutbox (its thread from the second page on); listing and counting are quick reads on this connection. */
  outbox(): OutboxSource & OutboxStatus & OutboxListing {
    // One outbox on this connection: it lists and counts, and leases the first page (ThreadedOutbox).
    const publishing = (this.publishing ??= new this.modules.ThreadedOutbox(new this.modules.OutboxStore(this.db), this.db.$client.name));
    const local = publishing.local;
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
    return this.modules.reportQueries(this.db);
  }

  async close(): Promise<void> {
    // No await without a thread: a caller that does not wait still finds the connection closed.
    if (this.publishing) await this.publishing.close();
    if (this.ingesting) await this.ingesting.close();
    this.db.$client.close();
  }
}

/** The report totals over one connection the command closes. */
export class SqliteTotals {
  constructor(private readonly client: Database.Database) {}

  reportTotals(): ReportTotals {
    return reportTotals(this.client);
  }

  close(): void {
    this.client.close();
  }
}

export { isPostgresUrl, redactUrl } from './postgres/url.js';

/**
 * The PostgreSQL storage for a postgres:// URL, loaded on first use so SQLite commands never load
 * the driver. `create` makes a missing database; `read-only` gives null for one.
 */
export async function openPostgresStorage(url: string, mode: 'create' | 'existing', log: Logger): Promise<PostgresStorage>;
export async function openPostgresStorage(url: string, mode: 'read-only', log: Logger): Promise<PostgresStorage | null>;
export async function openPostgresStorage(url: string, mode: 'create' | 'existing' | 'read-only', log: Logger): Promise<PostgresStorage | null> {
  const { PostgresStorage } = await import('./postgres/storage.js');
  return mode === 'read-only' ? PostgresStorage.openReadOnly(url) : PostgresStorage.open(url, mode, log);
}

/** Copies a SQLite database into an empty PostgreSQL one (docs/postgresql.md); loads the driver only then. */
export async function copySqliteToPostgres(path: string, url: string, log: Logger) {
  const { copySqliteToPostgres: copy } = await import('./postgres/copy.js');
  return copy(path, url, log);
}
