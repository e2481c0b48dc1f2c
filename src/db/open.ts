import { closeSync, existsSync, openSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { Logger } from 'pino';
import { DatabaseError, DatabaseMissingError, environmentFailure, NewerDatabaseError } from '../errors.js';
import type { Db } from './client.js';
import { discardInterruptedRuns } from './runs.js';
import * as schema from './schema.js';

export type { Db } from './client.js';

// Resolved from the compiled file (dist/db/open.js), so any working directory finds the migrations.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Long enough for another `claims` process to finish a batch; writers queue instead of failing. */
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (creating and migrating if needed) the database for reading and writing, after discarding
 * what runs killed part way left behind.
 */
export function openDb(path: string, log: Logger): Db {
  const client = connect(path, false);
  const db = drizzle(client, { schema });
  try {
    migrateWithRetry(db, path);
    for (const runId of discardInterruptedRuns(db, Date.now())) {
      log.warn({ runId }, 'discarded the claims of an interrupted run; rerun its input to store them');
    }
    return db;
  } catch (error) {
    client.close();
    throw error;
  }
}

/**
 * Opens a database that must already exist: only `ingest` creates one, so a mistyped `--db` (or a
 * relative path under cron, whose working directory is $HOME) is refused instead of read as empty.
 */
export function openExistingDb(path: string, log: Logger): Db {
  if (!existsSync(path)) throw new DatabaseMissingError(resolve(path));
  return openDb(path, log);
}

/**
 * Opens an existing database without writing to it (a dry run must not create or migrate anything).
 * Returns null when there is no database yet.
 */
export function openDbReadOnly(path: string): Db | null {
  if (!existsSync(path)) return null;
  return drizzle(connect(path, true), { schema });
}

/**
 * A second connection to a database this process already opened (and migrated) with openDb: the
 * outbox thread's, which reads and records events while the main thread publishes them.
 */
export function openAgain(path: string): Db {
  const client = new Database(path, { fileMustExist: true });
  client.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  client.pragma('foreign_keys = ON');
  return drizzle(client, { schema });
}

function connect(path: string, readonly: boolean): Database.Database {
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

/**
 * A database migrated by a newer `claims` may hold columns and meanings this build does not know:
 * refused before anything is written. drizzle records each applied migration's timestamp.
 */
function refuseNewerSchema(client: Database.Database, path: string): void {
  const recorded = client
    .prepare("select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'")
    .get();
  if (!recorded) return;
  const { latest } = client.prepare('select max(created_at) as latest from __drizzle_migrations').get() as {
    latest: number | null;
  };
  const known = Math.max(0, ...readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.folderMillis));
  if (latest !== null && Number(latest) > known) throw new NewerDatabaseError(path);
}

/**
 * drizzle's migrator reads the applied migrations before it takes the write lock, so two processes
 * starting on a new file can both try to create the tables; the loser retries and finds them done.
 */
function migrateWithRetry(db: Db, path: string): void {
  for (let attempt = 1; ; attempt++) {
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return;
    } catch (error) {
      if (attempt >= 3) {
        throw environmentFailure(error, path) ?? new DatabaseError(`cannot migrate database ${path}: ${(error as Error).message}`);
      }
    }
  }
}
