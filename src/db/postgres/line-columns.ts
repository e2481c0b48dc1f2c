import { getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { EVENT_FIELDS, LINE_FIELDS, OUTPUT_FIELDS, type EventFieldName, type LineFieldName, type LineValue, type OutputFieldName } from '../../domain/fields.js';
import { claimLines, claims } from './schema.js';

// As ../line-columns.ts, over the PostgreSQL tables: a field's stored column has the field's name.

const byName = (table: typeof claimLines | typeof claims) => new Map(Object.values(getTableColumns(table)).map((column) => [column.name, column as PgColumn]));
const LINE_TABLE = byName(claimLines);
const CLAIM_TABLE = byName(claims);

function fieldColumn(name: LineFieldName): PgColumn {
  const found = (LINE_FIELDS[name].stored === 'line' ? LINE_TABLE : CLAIM_TABLE).get(name);
  if (!found) throw new Error(`claim line field ${name} has no column in the PostgreSQL schema`);
  return found;
}

/** A selection of fields by name, typed to read back as the fields' values. */
type FieldSelection<K extends LineFieldName> = { [P in K]: PgColumn & { _: { data: LineValue<P>; notNull: true } } };

const selection = <K extends LineFieldName>(names: readonly K[]) =>
  Object.fromEntries(names.map((name) => [name, fieldColumn(name)])) as unknown as FieldSelection<K>;

/** What a `list --lines` row shows of a line, in output order (claim_lines joined with claims). */
export const OUTPUT_COLUMNS = selection<OutputFieldName>(OUTPUT_FIELDS);

/** What the payment event carries of a line, in its order (claim_lines alone). */
export const EVENT_COLUMNS = selection<EventFieldName>(EVENT_FIELDS);
