import { resolve } from 'node:path';
import { getTableColumns, getTableName, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Logger } from 'pino';
import { DatabaseError, DatabaseMissingError } from '../../errors.js';
import type { Db } from '../client.js';
import { openDbReadOnly } from '../open.js';
import { openPgDb } from './open.js';
import { writing } from './runs.js';
import * as pg from './schema.js';
import { redactUrl } from './url.js';

/** Rows per INSERT: one JSON parameter each, a few MB at most. */
const CHUNK_ROWS = 5_000;

/** Parents before children, so every foreign key finds its row. */
const TABLES: readonly PgTable[] = [pg.runs, pg.claims, pg.claimLines, pg.rejections, pg.outbox];

/** The keys drawn from a sequence: moved past the copied ones, so new rows follow them. */
const SERIALS = [
  ['runs', 'id'],
  ['claims', 'id'],
  ['rejections', 'id'],
  ['outbox', 'seq'],
] as const;

export type CopyCounts = Record<'runs' | 'claims' | 'claim_lines' | 'rejections' | 'outbox', number>;

/**
 * Copies every row of a SQLite database into an empty PostgreSQL one (created if missing), keeping
 * every id and event state: the same answers from both, and nothing published twice. One
 * transaction: a copy stopped part way leaves the target empty.
 */
export async function copySqliteToPostgres(path: string, url: string, log: Logger): Promise<CopyCounts> {
  const source = openDbReadOnly(path);
  if (!source) throw new DatabaseMissingError(resolve(path));
  try {
    const running = source.$client.prepare("select count(*) as n from runs where status = 'running'").get() as { n: number };
    if (running.n > 0) {
      throw new DatabaseError(`${path} has ${running.n} run(s) still running: let them finish (or stop them and run any claims command on it), then copy`);
    }
    const target = await openPgDb(url, 'create', log);
    try {
      return await writing(target, async (tx) => {
        const [held] = await tx.execute<{ n: number }>(sql`select count(*) as n from runs`);
        if (Number(held!.n) > 0) throw new DatabaseError(`${redactUrl(url)} already holds runs: copy into an empty database`);
        const counts: Partial<CopyCounts> = {};
        for (const table of TABLES) counts[getTableName(table) as keyof CopyCounts] = await copyTable(source, table, (query) => tx.execute(query));
        for (const [table, column] of SERIALS) {
          await tx.execute(
            sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.identifier(column)}) from ${sql.identifier(table)}), 0) + 1, false)`,
          );
        }
        return counts as CopyCounts;
      });
    } finally {
      await target.$client.end();
    }
  } finally {
    source.$client.close();
  }
}

/** Reads a table from SQLite a chunk at a time and inserts each chunk in one statement; returns the rows copied. */
async function copyTable(source: Db, table: PgTable, execute: (query: ReturnType<typeof sql>) => Promise<unknown>): Promise<number> {
  const columns = Object.values(getTableColumns(table));
  const names = columns.map((column) => column.name);
  // json columns arrive as their JSON text and are cast after: a NUL escaped in a rejected value
  // stays an escape (PostgreSQL text cannot hold a NUL; json keeps \u0000 as written).
  const recordType = columns
    .map((column) => {
      const type = column.getSQLType();
      return `"${column.name}" ${type === 'json' ? 'text' : type === 'bigserial' ? 'bigint' : type === 'serial' ? 'integer' : type}`;
    })
    .join(', ');
  const selected = columns.map((column) => (column.getSQLType() === 'json' ? `"${column.name}"::json` : `"${column.name}"`)).join(', ');
  const quoted = names.map((name) => `"${name}"`).join(', ');
  const name = getTableName(table);
  const rows = source.$client.prepare(`select ${quoted} from "${name}" order by rowid`).iterate() as Iterable<Record<string, unknown>>;
  let copied = 0;
  let chunk: Record<string, unknown>[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await execute(
      sql`insert into ${sql.identifier(name)} (${sql.raw(quoted)}) select ${sql.raw(selected)} from json_to_recordset(${JSON.stringify(chunk)}::json) as r(${sql.raw(recordType)})`,
    );
    copied += chunk.length;
    chunk = [];
  };
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length >= CHUNK_ROWS) await flush();
  }
  await flush();
  return copied;
}
