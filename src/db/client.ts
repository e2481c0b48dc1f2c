import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './schema.js';

/** The SQLite database as drizzle sees it; known only inside src/db. */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
