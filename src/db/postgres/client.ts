import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import type { Sql } from 'postgres';
import type * as schema from './schema.js';

/** The PostgreSQL database as drizzle sees it; known only inside src/db/postgres. */
export type PgDb = PostgresJsDatabase<typeof schema> & { $client: Sql };
