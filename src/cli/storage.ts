import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as StorageModule from '../db/storage.js';
import { DatabaseMissingError, UsageError } from '../errors.js';
import type { OutboxListing, OutboxSource, OutboxStatus } from '../events/ports.js';
import type { DuplicateLookup, IngestSink } from '../ingest/ports.js';
import type { ReportQueries, ReportTotals } from '../output/ports.js';
import type { CommandContext } from './context.js';

/**
 * What the commands need of storage: the ports their libraries declare, over one connection the
 * command closes. This file is the only one of src/cli that knows which backend provides them.
 */
export interface Storage {
  ingestSink(): IngestSink;
  /** null when there is nothing stored yet to be a duplicate of. */
  claimLookup(): DuplicateLookup | null;
  outbox(): OutboxSource & OutboxStatus & OutboxListing;
  reports(): ReportQueries;
  close(): void | Promise<void>;
}

/** Loaded when a command opens storage, so --help and --version never load a driver. */
const storageModule = (): Promise<typeof StorageModule> => import('../db/storage.js');

/**
 * How a command opens the database: `create` (ingest: created and migrated if needed), `existing`
 * (a missing one is refused: only ingest creates one), or `read-only` (dry runs: never created,
 * migrated or written; null when there is none yet).
 */
export async function openStorage(ctx: CommandContext, mode: 'create' | 'existing'): Promise<Storage>;
export async function openStorage(ctx: CommandContext, mode: 'read-only'): Promise<Storage | null>;
export async function openStorage(ctx: CommandContext, mode: 'create' | 'existing' | 'read-only'): Promise<Storage | null> {
  const target = ctx.globals.db;
  const { SqliteStorage, isPostgresUrl, openPostgresStorage } = await storageModule();
  if (isPostgresUrl(target)) return mode === 'read-only' ? openPostgresStorage(target, mode, ctx.log) : openPostgresStorage(target, mode, ctx.log);
  const path = sqlitePath(target);
  if (mode === 'create') return SqliteStorage.open(path, ctx.log);
  if (mode === 'existing') return SqliteStorage.openExisting(path, ctx.log);
  return SqliteStorage.openReadOnly(path);
}

/**
 * The report totals of an existing database (a missing one is refused) for one piece of work,
 * closed whatever happens. Lighter than withStorage on SQLite: the driver alone, no query builder.
 */
export async function withReportTotals<T>(ctx: CommandContext, work: (totals: ReportTotals) => T | Promise<T>): Promise<T> {
  const target = ctx.globals.db;
  const { SqliteStorage, isPostgresUrl, openPostgresStorage } = await storageModule();
  const storage = isPostgresUrl(target)
    ? await openPostgresStorage(target, 'existing', ctx.log)
    : await SqliteStorage.openTotals(sqlitePath(target), ctx.log);
  try {
    return await work(storage.reportTotals());
  } finally {
    await storage.close();
  }
}

/** An existing database, opened read-only: a missing one is refused like `existing`. */
export async function openExistingReadOnly(ctx: CommandContext): Promise<Storage> {
  const storage = await openStorage(ctx, 'read-only');
  if (!storage) throw new DatabaseMissingError(await shownDatabase(ctx.globals.db));
  return storage;
}

/** An existing database (a missing one is refused) for one piece of work, closed whatever happens. */
export async function withStorage<T>(ctx: CommandContext, work: (storage: Storage) => T | Promise<T>): Promise<T> {
  const storage = await openStorage(ctx, 'existing');
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/** A SQLite --db is a path, or a file: URL of one. */
function sqlitePath(target: string): string {
  if (target.startsWith('file://')) return fileURLToPath(target);
  return target.startsWith('file:') ? target.slice('file:'.length) : target;
}

/** The database as messages may name it: a file's full path, a URL without its password. */
async function shownDatabase(target: string): Promise<string> {
  const { isPostgresUrl, redactUrl } = await storageModule();
  return isPostgresUrl(target) ? redactUrl(target) : resolve(sqlitePath(target));
}

/**
 * `claims copy`: the SQLite database of --db into the PostgreSQL one at `to`. Returns the rows
 * copied per table, and both databases as they may be shown (the password redacted).
 */
export async function copyToPostgres(ctx: CommandContext, to: string) {
  const { copySqliteToPostgres, isPostgresUrl, redactUrl } = await storageModule();
  if (isPostgresUrl(ctx.globals.db)) throw new UsageError('copy reads a SQLite database: give its file with --db');
  const path = sqlitePath(ctx.globals.db);
  const counts = await copySqliteToPostgres(path, to, ctx.log);
  return { from: resolve(path), to: redactUrl(to), counts };
}
