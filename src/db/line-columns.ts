import { getTableColumns, type ColumnBaseConfig, type ColumnDataType } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import {
  EVENT_FIELDS,
  LINE_FIELDS,
  LINE_STORED_FIELDS,
  OUTPUT_FIELDS,
  type EventFieldName,
  type LineFieldName,
  type LineValue,
  type OutputFieldName,
} from '../domain/fields.js';
import { claimLines, claims } from './schema.js';

// How a claim line's fields (domain/fields.ts) map onto claim_lines and claims: a field's stored
// column has the field's name. test/unit/fields.test.ts checks every field against the schema.

function columnsByName(table: typeof claimLines | typeof claims): Map<string, { key: string; column: SQLiteColumn }> {
  return new Map(Object.entries(getTableColumns(table)).map(([key, column]) => [column.name, { key, column }]));
}

const LINE_TABLE = columnsByName(claimLines);
const CLAIM_TABLE = columnsByName(claims);

/** The column holding a field: on claim_lines for a line-stored field, on claims for a claim one. */
export function fieldColumn(name: LineFieldName): { key: string; column: SQLiteColumn } {
  const found = (LINE_FIELDS[name].stored === 'line' ? LINE_TABLE : CLAIM_TABLE).get(name);
  if (!found) throw new Error(`claim line field ${name} has no column in the schema`);
  return found;
}

/** A field's column, typed to read back as the field's value (test/unit/fields.test.ts checks the schema agrees). */
type FieldColumn<K extends LineFieldName> = SQLiteColumn<
  ColumnBaseConfig<ColumnDataType, string> & {
    name: K;
    tableName: (typeof LINE_FIELDS)[K]['stored'] extends 'line' ? 'claim_lines' : 'claims';
    data: LineValue<K>;
    notNull: true;
  }
>;

const selection = <K extends LineFieldName>(names: readonly K[]) =>
  Object.fromEntries(names.map((name) => [name, fieldColumn(name).column])) as { [P in K]: FieldColumn<P> };

/** The claim_lines columns of the stored line fields, in LINE_STORED_FIELDS order (as claim-batch.ts encodes a line). */
export const LINE_STORED_COLUMNS: readonly string[] = LINE_STORED_FIELDS.map((name) => fieldColumn(name).column.name);

/** What a `list --lines` row shows of a line, in output order (claim_lines joined with claims). */
export const OUTPUT_COLUMNS = selection<OutputFieldName>(OUTPUT_FIELDS);

/** What the payment event carries of a line, in its order (claim_lines alone). */
export const EVENT_COLUMNS = selection<EventFieldName>(EVENT_FIELDS);
