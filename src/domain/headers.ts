import { FIELD_ALIASES, FIELDS, REQUIRED_FIELDS, type Field } from './fields.js';

/** Lower-cases and keeps only `[a-z0-9]`, so case, spacing, punctuation, newlines and a BOM never matter. */
export function normaliseHeader(h: string): string {
  return h.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// The field name itself covers snake, camel and Pascal case; the aliases come from the field table.
const FIELD_BY_HEADER: ReadonlyMap<string, Field> = new Map(
  FIELDS.flatMap((field) => [normaliseHeader(field), ...(FIELD_ALIASES.get(field) ?? [])].map((name) => [name, field] as const)),
);

export function fieldForHeader(h: string): Field | undefined {
  return FIELD_BY_HEADER.get(normaliseHeader(h));
}

export interface HeaderMatch {
  /** Column index of each matched field (the first column when several match). */
  columns: Partial<Record<Field, number>>;
  /** Required fields with no column, in field order. */
  missing: Field[];
  /** Fields matched by more than one column. */
  duplicated: Field[];
}

export function matchHeaders(headers: readonly string[]): HeaderMatch {
  const columns: Partial<Record<Field, number>> = {};
  const duplicated: Field[] = [];
  headers.forEach((header, index) => {
    const field = fieldForHeader(header);
    if (field === undefined) return;
    if (columns[field] === undefined) columns[field] = index;
    else if (!duplicated.includes(field)) duplicated.push(field);
  });
  const missing = REQUIRED_FIELDS.filter((field) => columns[field] === undefined);
  return { columns, missing, duplicated };
}
