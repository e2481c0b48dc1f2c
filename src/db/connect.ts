import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { DatabaseError, DatabaseMissingError, environmentFailure, NewerDatabaseError } from '../errors.js';

// The driver alone, without drizzle: what a report of totals needs to open a database (issue 9).

// Resolved from the compiled file (dist/db/connect.js), so any working directory finds the migrations.
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Long enough for another `claims` process to finish a batch; writers queue instead of failing. */
export const BUSY_TIMEOUT_MS = 30_000;

/** The page size of a database this creates, in bytes. */
const PAGE_SIZE = 16_384;

export function connect(path: string, readonly: boolean): Database.Database {
  let client: Database.Database | null = null;
  try {
    if (!readonly) createPrivately(path);
    client = new Database(path, { readonly, fileMustExist: readonly });
    client.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    refuseNewerSchema(client, path);
    if (!readonly) {
      // Taken by a new database only (an existing one keeps its own). 16 KiB rather than SQLite's
      // 4 KiB: fewer pages to split, balance and write per stored line. Ingest of 1M lines into a
      // fresh database, 7 pairs: 0.84 to 0.98 of the time (median 0.93), 4 % fewer bytes written;
      // its empty tables take about 600 KB instead of 160 KB.
      client.pragma(`page_size = ${PAGE_SIZE}`);
      // WAL lets readers and one writer work at once; NORMAL is durable at every commit in WAL mode
      // except on power loss, where only the last transactions can be lost, never corrupted.
      client.pragma('journal_mode = WAL');
      client.pragma('synchronous = NORMAL');
    }
    client.pragma('foreign_keys = ON');
    return client;
  } catch (error) {
    client?.close();
    throw environmentFailure(error, path) ?? new DatabaseError(`cannot open database ${path}: ${(error as Error).message}`);
  }
}

/**
 * An existing database, read-write, for work that needs the driver only. When it is behind the
 * latest migration, or holds runs still marked running (perhaps killed part way), it goes through
 * open.ts's full opening instead (loaded only then): migrated, and cleaned of interrupted runs.
 */
export async function connectExisting(path: string, log: Logger): Promise<Database.Database> {
  if (!existsSync(path)) throw new DatabaseMissingError(resolve(path));
  const client = connect(path, false);
  try {
    if (appliedMigrationTime(client) === latestMigrationTime() && !hasRunningRuns(client)) return client;
  } catch (error) {
    client.close();
    throw environmentFailure(error, path) ?? new DatabaseError(`cannot read database ${path}: ${(error as Error).message}`);
  }
  client.close();
  const { openExistingDb } = await import('./open.js');
  return openExistingDb(path, log).$client;
}

function hasRunningRuns(client: Database.Database): boolean {
  return client.prepare("select 1 from runs where status = 'running' limit 1").get() !== undefined;
}

/**
 * Claims hold subscriber numbers: the file is made readable by its owner only, whatever the umask,
 * before SQLite opens it (SQLite gives the -wal and -shm files the database file's mode).
 */
function createPrivately(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

/** When the last migration applied to the database was made (drizzle records it); null when none is. */
function appliedMigrationTime(client: Database.Database): number | null {
  const recorded = client
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (!recorded) return null;
  const { latest } = client.prepare('select max(created_at) as latest from __drizzle_migrations').get() as {
    latest: number | null;
  };
  return latest === null ? null : Number(latest);
}

let latestKnown: number | null = null;

/** When this build's last migration was made: drizzle's journal, as its migrator reads it. */
function latestMigrationTime(): number {
  latestKnown ??= Math.max(
    0,
    ...(
      JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as { entries: { when: number }[] }
    ).entries.map((entry) => entry.when),
  );
  return latestKnown;
}

/**
 * A database migrated by a newer `claims` may hold columns and meanings this build does not know:
 * refused before anything is written.
 */
function refuseNewerSchema(client: Database.Database, path: string): void {
  const applied = appliedMigrationTime(client);
  if (applied !== null && applied > latestMigrationTime()) throw new NewerDatabaseError(path);
}
