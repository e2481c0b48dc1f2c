import { openExistingDb, type Db } from '../db/open.js';
import type { CommandContext } from './context.js';

/** An existing database (a missing one is refused) for one piece of work, closed whatever happens. */
export async function withDb<T>(ctx: CommandContext, work: (db: Db) => T | Promise<T>): Promise<T> {
  const db = openExistingDb(ctx.globals.db, ctx.log);
  try {
    return await work(db);
  } finally {
    db.$client.close();
  }
}
