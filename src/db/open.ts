import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'pino';
import { DatabaseError, DatabaseMissingError } from '../errors.js';
import { discardInterruptedRuns } from './runs.js';
import * as schema from './schema.js';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

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
  migrateWithRetry(db, path);
  for (const runId of discardInterruptedRuns(db, new Date().toISOString())) {
    log.warn({ runId }, 'discarded the claims of an interrupted run; rerun its input to store them');
  }
  return db;
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

function connect(path: string, readonly: boolean): Database.Database {
  try {
    const client = new Database(path, { readonly, fileMustExist: readonly });
    client.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    if (!readonly) {
      // WAL lets readers and one writer work at once; NORMAL is durable at every commit in WAL mode
      // except on power loss, where only the last transactions can be lost, never corrupted.
      client.pragma('journal_mode = WAL');
      client.pragma('synchronous = NORMAL');
    }
    client.pragma('foreign_keys = ON');
    return client;
  } catch (error) {
    throw new DatabaseError(`cannot open database ${path}: ${(error as Error).message}`);
  }
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
        throw new DatabaseError(`cannot migrate database ${path}: ${(error as Error).message}`);
      }
    }
  }
}
