import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ReportQueries, ReportTotals } from '../output/ports.js';
import type { Db } from './client.js';
import { connectExisting } from './connect.js';
import { reportTotals } from './report-totals.js';

/** The modules built on drizzle, loaded by the commands that use them: a report of totals needs none. */
async function drizzleModules() {
  const [open, ingestStore, outboxStore, queries] = await Promise.all([
    import('./open.js'),
    import('./ingest-store.js'),
    import('./outbox-store.js'),
    import('./queries.js'),
  ]);
  return { ...open, ...ingestStore, ...outboxStore, ...queries };
}
type DrizzleModules = Awaited<ReturnType<typeof drizzleModules>>;

/**
 * The SQLite storage: every port the rest of the tree declares, over one connection. The commands
 * open and close it and see only the ports; nothing outside src/db sees the connection.
 */
export class SqliteStorage {
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
    return new this.modules.IngestStore(this.db);
  }

  /** null for a database made before the tables existed: nothing in it to be a duplicate of. */
  claimLookup(): DuplicateLookup | null {
    try {
      return new this.modules.ClaimLookup(this.db);
    } catch {
      return null;
    }
  }

  outbox(): OutboxSource & OutboxStatus & OutboxListing {
    return new this.modules.OutboxStore(this.db);
  }

  reports(): ReportQueries {
    return this.modules.reportQueries(this.db);
  }

  close(): void {
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
