import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import * as pg from '../../src/db/postgres/schema.js';
import * as sqlite from '../../src/db/schema.js';

/** A table as the queries see it: its name and, per column, the name, whether it may be null and whether it is the key. */
function shape(table: Table) {
  return {
    name: getTableName(table),
    columns: Object.values(getTableColumns(table))
      .map((column) => ({ name: column.name, notNull: column.notNull, primary: column.primary }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

describe('the PostgreSQL schema', () => {
  it('mirrors the SQLite one: the same tables, column names and nullability', () => {
    const tables = ['runs', 'claims', 'claimLines', 'rejections', 'outbox'] as const;
    for (const table of tables) expect(shape(pg[table])).toEqual(shape(sqlite[table]));
  });
});
