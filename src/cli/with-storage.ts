import { SqliteStorage } from '../db/storage.js';
import type { CommandContext } from './context.js';

/** An existing database (a missing one is refused) for one piece of work, closed whatever happens. */
export async function withStorage<T>(ctx: CommandContext, work: (storage: SqliteStorage) => T | Promise<T>): Promise<T> {
  const storage = SqliteStorage.openExisting(ctx.globals.db, ctx.log);
  try {
    return await work(storage);
  } finally {
    storage.close();
  }
}
