import { resolve } from 'node:path';
import type * as SqliteModule from '../db/storage.js';
import { DatabaseMissingError } from '../errors.js';
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

/**
 * How a command opens the database: `create` (ingest: created and migrated if needed), `existing`
 * (a missing one is refused: only ingest creates one), or `read-only` (dry runs: never created,
 * migrated or written; null when there is none yet).
 */
export async function openStorage(ctx: CommandContext, mode: 'create' | 'existing'): Promise<Storage>;
export async function openStorage(ctx: CommandContext, mode: 'read-only'): Promise<Storage | null>;
export async function openStorage(ctx: CommandContext, mode: 'create' | 'existing' | 'read-only'): Promise<Storage | null> {
  const path = ctx.globals.db;
  const { SqliteStorage } = await storageModule();
  if (mode === 'create') return SqliteStorage.open(path, ctx.log);
  if (mode === 'existing') return SqliteStorage.openExisting(path, ctx.log);
  return SqliteStorage.openReadOnly(path);
}

/** Loaded when a command opens storage, so --help and --version never load the driver. */
const storageModule = (): Promise<typeof SqliteModule> => import('../db/storage.js');

/**
 * The report totals of an existing database (a missing one is refused) for one piece of work,
 * closed whatever happens. Lighter than withStorage: the driver alone, no query builder.
 */
export async function withReportTotals<T>(ctx: CommandContext, work: (totals: ReportTotals) => T | Promise<T>): Promise<T> {
  const { SqliteStorage } = await storageModule();
  const storage = await SqliteStorage.openTotals(ctx.globals.db, ctx.log);
  try {
    return await work(storage.reportTotals());
  } finally {
    storage.close();
  }
}

/** An existing database, opened read-only: a missing one is refused like `existing`. */
export async function openExistingReadOnly(ctx: CommandContext): Promise<Storage> {
  const storage = await openStorage(ctx, 'read-only');
  if (!storage) throw new DatabaseMissingError(resolve(ctx.globals.db));
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
