import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import type { Logger } from 'pino';
import { ClaimsError, DatabaseError, DatabaseMissingError, NewerDatabaseError } from '../../errors.js';
import type { PgDb } from './client.js';
import { discardInterruptedRuns } from './runs.js';
import * as schema from './schema.js';
import { redactUrl } from './url.js';

// Resolved from the compiled file (dist/db/postgres/open.js), so any working directory finds them.
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle/postgres', import.meta.url));

/** Held while migrating: hosts starting at once on a new database migrate it once, the others wait. */
const MIGRATION_LOCK = 0x636c61696d6dn;

/** PostgreSQL's "database does not exist" and "already exists" (SQLSTATE). */
const UNDEFINED_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';
/** What a CREATE DATABASE racing another one for the same name meets instead of DUPLICATE_DATABASE. */
const UNIQUE_VIOLATION = '23505';

/**
 * Opens the database for reading and writing, creating it (`create`: ingest) or refusing a missing
 * one (`existing`), migrating it under an advisory lock and discarding what killed runs left behind.
 */
export async function openPgDb(url: string, mode: 'create' | 'existing', log: Logger): Promise<PgDb> {
  let db = connect(url, false);
  try {
    if (!(await exists(db))) {
      await db.$client.end();
      if (mode === 'existing') throw new DatabaseMissingError(redactUrl(url));
      await createDatabase(url, db.$client.options.database);
      db = connect(url, false);
    }
    // Most commands find every migration applied: no lock, no migrator, two queries.
    if ((await latestMigration(db, url)) < KNOWN_MIGRATION) await migrateOnce(db);
    for (const runId of await discardInterruptedRuns(db, Date.now())) {
      log.warn({ runId }, 'discarded the claims of an interrupted run; rerun its input to store them');
    }
    return db;
  } catch (error) {
    await db.$client.end({ timeout: 0 });
    throw openFailure(error, url);
  }
}

/** Opens an existing database without writing to it; null when the database does not exist. */
export async function openPgDbReadOnly(url: string): Promise<{ db: PgDb; migrated: boolean } | null> {
  const db = connect(url, true);
  try {
    if (!(await exists(db))) {
      await db.$client.end();
      return null;
    }
    await latestMigration(db, url);
    const [row] = await db.execute<{ migrated: boolean }>(sql`select to_regclass('claims') is not null as migrated`);
    return { db, migrated: row!.migrated };
  } catch (error) {
    await db.$client.end({ timeout: 0 });
    throw openFailure(error, url);
  }
}

function connect(url: string, readOnly: boolean): PgDb {
  const client = postgres(url, {
    max: 4,
    onnotice: () => {},
    // bigint columns (ids, cents, counts) read as numbers; drizzle reads its bigint columns alike.
    types: { int8: { to: 20, from: [20], serialize: (value: number | bigint) => String(value), parse: (text: string) => Number(text) } },
    connection: { application_name: 'claims', ...(readOnly ? { default_transaction_read_only: true } : {}) },
  });
  return drizzle(client, { schema }) as PgDb;
}

async function exists(db: PgDb): Promise<boolean> {
  try {
    await db.execute(sql`select 1`);
    return true;
  } catch (error) {
    const { cause } = error as { cause?: unknown };
    if (((cause ?? error) as { code?: string }).code === UNDEFINED_DATABASE) return false;
    throw error;
  }
}

/** As SQLite creates the file: through the server's maintenance database, with the same credentials. */
async function createDatabase(url: string, name: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {}, database: 'postgres' });
  try {
    await admin`create database ${admin(name)}`;
  } catch (error) {
    // Another claims created it meanwhile.
    const { code } = error as { code?: string };
    if (code !== DUPLICATE_DATABASE && code !== UNIQUE_VIOLATION) throw error;
  } finally {
    await admin.end();
  }
}

async function migrateOnce(db: PgDb): Promise<void> {
  const locked = await db.$client.reserve();
  try {
    await locked`select pg_advisory_lock(${MIGRATION_LOCK.toString()}::bigint)`;
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await locked`select pg_advisory_unlock(${MIGRATION_LOCK.toString()}::bigint)`.catch(() => {});
    locked.release();
  }
}

/** The newest migration this build knows (drizzle records each applied one's folder time). */
const KNOWN_MIGRATION = Math.max(0, ...readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((m) => m.folderMillis));

/**
 * The newest migration applied (0 for a new database). A database migrated by a newer `claims` may
 * hold meanings this build does not know: refused before anything is written.
 */
async function latestMigration(db: PgDb, url: string): Promise<number> {
  const [table] = await db.execute<{ recorded: boolean }>(sql`select to_regclass('drizzle.__drizzle_migrations') is not null as recorded`);
  if (!table!.recorded) return 0;
  const [recorded] = await db.execute<{ latest: string | null }>(sql`select max(created_at)::text as latest from drizzle.__drizzle_migrations`);
  const latest = Number(recorded?.latest ?? 0);
  if (latest > KNOWN_MIGRATION) throw new NewerDatabaseError(redactUrl(url));
  return latest;
}

/** What went wrong opening, as one line that never holds the URL's password. */
function openFailure(error: unknown, url: string): ClaimsError {
  if (error instanceof ClaimsError) return error;
  // drizzle wraps the driver's error with the statement and its parameters: only the driver's words count.
  const { cause } = error as { cause?: unknown };
  const message = ((cause ?? error) as Error).message ?? String(error);
  return new DatabaseError(`cannot open database ${redactUrl(url)}: ${message}`);
}
