import type { Field, FieldValues } from '../domain/fields.js';
import { fieldForHeader, matchHeaders } from '../domain/headers.js';
import type { Issue } from '../domain/types.js';
import { InputRefusedError } from '../errors.js';
import type { RawRecord } from './read.js';

/** A row of the input in the contract's terms, before validation. */
export interface InputRow {
  row: number;
  /** The row as given, by original column name: kept for rejection records and the rejects file. */
  values: Record<string, string>;
  fields: FieldValues;
  /** Why the row cannot even be read as a row (wrong field count, not an object, broken JSON line). */
  structuralIssue: Issue | null;
}

/**
 * Turns raw records into rows keyed by canonical field. The first CSV record (or the first JSON
 * object) is the header: a missing required column refuses the input before any row is written.
 */
export class RowNormaliser {
  private header: string[] | null = null;
  /** Each field's column in a CSV row, read once from the header. */
  private csvColumns: [Field, number][] = [];
  private claimNumberColumn = false;
  private readonly fieldByKey = new Map<string, Field | undefined>();
  /** Rows met before any object (a JSON array of numbers): the input is not empty, only headerless. */
  private nonObjectRows = false;

  constructor(private readonly source: string) {}

  /** The original column names, once the header has been read. */
  get columns(): readonly string[] | null {
    return this.header;
  }

  /** Why there is no header once the input has ended without one. */
  get noHeaderReason(): string {
    return this.nonObjectRows ? 'no row is a JSON object: nothing to read columns from' : 'no header row: the input is empty';
  }

  /** Claims are grouped by claim number when the input has that column. */
  get hasClaimNumber(): boolean {
    return this.claimNumberColumn;
  }

  /** Returns null for the header record itself. */
  normalise(record: RawRecord): InputRow | null {
    switch (record.kind) {
      case 'cells':
        return this.fromCells(record.row, record.cells);
      case 'value':
        return this.fromValue(record.row, record.value);
      case 'unparsable':
        this.nonObjectRows = true;
        return {
          row: record.row,
          values: { _raw: record.text },
          fields: {},
          structuralIssue: issue('json_syntax', record.text, record.message),
        };
    }
  }

  private fromCells(row: number, cells: string[]): InputRow | null {
    if (this.header === null) {
      this.header = cells;
      this.csvColumns = Object.entries(this.checkHeader(cells)) as [Field, number][];
      return null;
    }
    const header = this.header;
    const fields: FieldValues = {};
    for (const [field, index] of this.csvColumns) fields[field] = cells[index];
    const structuralIssue =
      cells.length === header.length
        ? null
        : issue('column_count', String(cells.length), `row has ${cells.length} fields, the header has ${header.length}`);
    return new CsvRow(row, header, cells, fields, structuralIssue);
  }

  private fromValue(row: number, value: unknown): InputRow {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      const text = JSON.stringify(value) ?? String(value);
      this.nonObjectRows = true;
      return { row, values: { _raw: text }, fields: {}, structuralIssue: issue('json_row', text, 'row is not a JSON object') };
    }
    const entries = Object.entries(value as Record<string, unknown>);
    if (this.header === null) {
      this.header = entries.map(([key]) => key);
      this.checkHeader(this.header);
    }
    const values: Record<string, string> = {};
    const fields: FieldValues = {};
    for (const [key, raw] of entries) {
      const text = jsonValueText(raw);
      values[key] = text;
      const field = this.fieldFor(key);
      if (field !== undefined && fields[field] === undefined) fields[field] = text;
    }
    return { row, values, fields, structuralIssue: null };
  }

  private fieldFor(key: string): Field | undefined {
    if (!this.fieldByKey.has(key)) this.fieldByKey.set(key, fieldForHeader(key));
    return this.fieldByKey.get(key);
  }

  private checkHeader(names: string[]): Partial<Record<Field, number>> {
    const match = matchHeaders(names);
    this.claimNumberColumn = match.columns.claim_number !== undefined;
    const found = names.map((name) => JSON.stringify(name)).join(', ');
    if (match.missing.length > 0) {
      throw new InputRefusedError(
        this.source,
        `missing required column${match.missing.length > 1 ? 's' : ''} ${match.missing.join(', ')}; headers found: ${found}`,
      );
    }
    if (match.duplicated.length > 0) {
      throw new InputRefusedError(
        this.source,
        `more than one column matches ${match.duplicated.join(', ')}; headers found: ${found}`,
      );
    }
    return match.columns;
  }
}

/**
 * A value's text; null is empty. JSON numbers (an NPI, an amount) arrive as the text they were
 * written as (see read.ts), never as a float that would round them.
 */
function jsonValueText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * A CSV row. Its values by column name are only needed when it is rejected (for the rejection record
 * and the rejects file), so they are built then, not for every row read.
 */
class CsvRow implements InputRow {
  private byColumn: Record<string, string> | null = null;

  constructor(
    readonly row: number,
    private readonly header: readonly string[],
    private readonly cells: readonly string[],
    readonly fields: FieldValues,
    readonly structuralIssue: Issue | null,
  ) {}

  get values(): Record<string, string> {
    if (this.byColumn === null) {
      const values: Record<string, string> = {};
      this.cells.forEach((cell, index) => {
        values[this.header[index] ?? `_extra_${index + 1 - this.header.length}`] = cell;
      });
      this.byColumn = values;
    }
    return this.byColumn;
  }
}

function issue(rule: string, value: string, message: string): Issue {
  return { rule, field: null, value, message, severity: 'error' };
}
