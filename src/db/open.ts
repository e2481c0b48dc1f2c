import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'pino';
import { DatabaseError, DatabaseMissingError, DiskFullError, environmentFailure } from '../errors.js';
import type { Db } from './client.js';
import { BUSY_TIMEOUT_MS, connect, MIGRATIONS_FOLDER } from './connect.js';
import { discardInterruptedRuns } from './runs.js';
import * as schema from './schema.js';

export type { Db } from './client.js';

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
        throw (
          environmentFailure(error, path) ??
          fullDiskUnder(path) ??
          new DatabaseError(`cannot migrate database ${path}: ${(error as Error).message}`)
        );
      }
    }
  }
}

/** Less room than a new database's tables take (about 200 KB) means a full disk. */
const MIGRATION_ROOM_BYTES = 1024 * 1024;

/**
 * drizzle's migrator answers a failed statement with a ROLLBACK, which itself fails when SQLite has
 * already rolled the transaction back, as it does on a full disk: the error it throws then names the
 * ROLLBACK, not SQLITE_FULL. The free space of the database's file system tells.
 */
function fullDiskUnder(path: string): DiskFullError | null {
  try {
    const { bavail, bsize } = statfsSync(dirname(resolve(path)));
    return bavail * bsize < MIGRATION_ROOM_BYTES ? new DiskFullError(path) : null;
  } catch {
    return null;
  }
}
