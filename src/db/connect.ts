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

export function connect(path: string, readonly: boolean): Database.Database {
  let client: Database.Database | null = null;
  try {
    if (!readonly) createPrivately(path);
    client = new Database(path, { readonly, fileMustExist: readonly });
    client.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    refuseNewerSchema(client, path);
    if (!readonly) {
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
