import { getTableColumns, sql, type ColumnBaseConfig, type ColumnDataType, type Placeholder } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import {
  EVENT_FIELDS,
  LINE_FIELDS,
  LINE_STORED_FIELDS,
  OUTPUT_FIELDS,
  type EventFieldName,
  type LineFieldName,
  type LineStoredName,
  type LineValue,
  type OutputFieldName,
} from '../domain/fields.js';
import type { ClaimLine } from '../domain/types.js';
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

/** claim_lines columns that are not a field of the line: the line's place in its claim and input. */
type LinePosition = 'claimPk' | 'lineIndex' | 'sourceRow';
type LineFieldInsert = { [K in Exclude<keyof typeof claimLines.$inferInsert, LinePosition>]-?: Placeholder };

/** The stored line fields of claim_lines, as placeholders named after the fields (bind with lineValues). */
export function lineInsertPlaceholders(): LineFieldInsert {
  return Object.fromEntries(LINE_STORED_FIELDS.map((name) => [fieldColumn(name).key, sql.placeholder(name)])) as LineFieldInsert;
}

/** A line's values for lineInsertPlaceholders. */
export function lineValues(line: ClaimLine): Pick<ClaimLine, LineStoredName> {
  // A plain loop: this runs for every stored line, where pairs built and thrown away add up.
  const values: Partial<Record<LineStoredName, unknown>> = {};
  for (const name of LINE_STORED_FIELDS) values[name] = line[name];
  return values as Pick<ClaimLine, LineStoredName>;
}

/** What a `list --lines` row shows of a line, in output order (claim_lines joined with claims). */
export const OUTPUT_COLUMNS = selection<OutputFieldName>(OUTPUT_FIELDS);

/** What the payment event carries of a line, in its order (claim_lines alone). */
export const EVENT_COLUMNS = selection<EventFieldName>(EVENT_FIELDS);
