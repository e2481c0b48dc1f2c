import { randomUUID } from 'node:crypto';
import { formatCents, isExactCents } from '../domain/money.js';
import { stringify } from 'csv-stringify/sync';

import type { OutputFormat } from './formats.js';

export { OUTPUT_FORMATS, type OutputFormat } from './formats.js';

/** A row of output: snake_case keys in display order, JSON-ready values. */
export type OutputRecord = Record<string, unknown>;

/** Money goes out twice: `x_cents` (integer) followed by `x` ("81.25"), as the contract asks. */
export function withMoney(record: OutputRecord): OutputRecord {
  const out: OutputRecord = {};
  for (const [key, value] of Object.entries(record)) {
    out[key] = value;
    if (!key.endsWith('_cents') || value === null || value === undefined) continue;
    // A stored amount that cannot be formatted exactly (an older version's row) shows no decimal
    // rather than stopping the other rows.
    out[key.slice(0, -'_cents'.length)] = isExactCents(value) ? formatCents(value) : null;
  }
  return out;
}

/** The keys `withMoney` gives a record with these keys: each `x_cents` followed by its `x`. */
export function withMoneyColumns(keys: readonly string[]): string[] {
  return keys.flatMap((key) => (key.endsWith('_cents') ? [key, key.slice(0, -'_cents'.length)] : [key]));
}

export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** A terminal's size (Node sets these on a TTY stream). */
  columns?: number;
  rows?: number;
}

/** The contract's default: a table for a person at a terminal, CSV for a pipe or a file. */
export function defaultFormat(stdout: Output): OutputFormat {
  return stdout.isTTY ? 'table' : 'csv';
}

export interface RecordWriter {
  write(record: OutputRecord): void;
  end(): void;
}

/**
 * Writes records as they come (csv, json, ndjson stream; a table waits to size its columns).
 * `single` prints one record as a JSON object instead of an array of one.
 */
export interface WriterOptions {
  /** One record, shown as a JSON object (not an array of one) or as field/value pairs. */
  single?: boolean;
  /** The records' keys, so that no records still give CSV its header row and a table its header. */
  columns?: readonly string[];
}

export function createRecordWriter(format: OutputFormat, out: Output, options: WriterOptions = {}): RecordWriter {
  switch (format) {
    case 'csv':
      return csvWriter(out, options.columns);
    case 'json':
      return jsonWriter(out, options.single ?? false);
    case 'ndjson':
      return {
        write: (record) => out.write(`${jsonText(record)}\n`),
        end: () => {},
      };
    case 'table':
      return tableWriter(out, options.single ?? false, options.columns);
  }
}

export function writeRecords(
  records: Iterable<OutputRecord>,
  format: OutputFormat,
  out: Output,
  options: WriterOptions = {},
): void {
  const writer = createRecordWriter(format, out, options);
  for (const record of records) writer.write(record);
  writer.end();
}

function csvWriter(out: Output, known?: readonly string[]): RecordWriter {
  let columns: string[] | null = null;
  return {
    write(record) {
      const first = columns === null;
      columns ??= Object.keys(record);
      const cells = columns.map((column) => csvCell(record[column]));
      out.write(stringify([cells], first ? { header: true, columns } : {}));
    },
    end() {
      // An empty result is still a CSV a script can read: its header row.
      if (columns === null && known) out.write(stringify([[...known]]));
    },
  };
}

/** A cell of a CSV output: text a spreadsheet would run as a formula is neutralised. */
function csvCell(value: unknown): string | number {
  const cell = plainCell(value);
  // OWASP CSV injection: a leading `'` makes the cell text. Numbers and decimal amounts (`-0.05`) stay as they are.
  return typeof cell === 'string' && /^(?:[=+@\t\r]|-(?!\d+(?:\.\d+)?$))/.test(cell) ? `'${cell}` : cell;
}

function plainCell(value: unknown): string | number {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return JSON.stringify(value);
}

// Marks a bigint while JSON.stringify runs, to be replaced by its digits: unguessable, so no text value can carry it.
const BIGINT_MARK = `bigint-${randomUUID()}:`;
const BIGINT_MARKED = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, 'g');

/** A record as JSON; an exact sum beyond 2^53 (a bigint) is written as a plain JSON integer. */
function jsonText(record: OutputRecord): string {
  if (!Object.values(record).some((value) => typeof value === 'bigint')) return JSON.stringify(record);
  const marked = JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? `${BIGINT_MARK}${value}` : value));
  return marked.replace(BIGINT_MARKED, '$1');
}

function jsonWriter(out: Output, single: boolean): RecordWriter {
  let count = 0;
  return {
    write(record) {
      if (single) {
        out.write(`${jsonText(record)}\n`);
      } else {
        out.write(`${count === 0 ? '[' : ','}${jsonText(record)}`);
      }
      count++;
    },
    end() {
      if (!single) out.write(count === 0 ? '[]\n' : ']\n');
    },
  };
}

/**
 * Aligned columns for people: money shows once (as "116.85", its `_cents` twin hidden),
 * numbers are right-aligned. A single record is shown as field/value pairs.
 */
function tableWriter(out: Output, single: boolean, known?: readonly string[]): RecordWriter {
  const records: OutputRecord[] = [];
  return {
    write: (record) => records.push(record),
    end() {
      // Only a terminal wraps long lines; a pipe or a file gets every character.
      const maxWidth = out.isTTY && out.columns ? out.columns : Infinity;
      if (records.length === 0) {
        if (known && !single) {
          const columns = visibleColumns([...known]);
          out.write(renderTable([columns], columns.map(() => false), maxWidth));
        }
        return;
      }
      const columns = visibleColumns(Object.keys(records[0]!));
      if (single && records.length === 1) {
        const record = records[0]!;
        out.write(renderTable([['field', 'value'], ...columns.map((c) => [c, tableCell(record[c])])], [false, false], maxWidth));
        return;
      }
      const rightAligned = columns.map((c) => records.every((r) => typeof r[c] === 'number' || isDecimal(r[c])));
      const rows = records.map((record) => columns.map((column) => tableCell(record[column])));
      out.write(renderTable([columns, ...rows], rightAligned, maxWidth));
    },
  };
}

function visibleColumns(columns: string[]): string[] {
  return columns.filter((c) => !(c.endsWith('_cents') && columns.includes(c.slice(0, -'_cents'.length))));
}

function isDecimal(value: unknown): boolean {
  return typeof value === 'string' && /^-?\d+\.\d\d$/.test(value);
}

function tableCell(value: unknown): string {
  const text = plainCell(value);
  return String(text).replace(/\s+/g, ' ');
}

const GAP = 2;
/** A column is never narrowed below this, so each still shows a recognisable start. */
const MIN_COLUMN_WIDTH = 4;
/** Values up to this wide (dates, NPIs, codes) are kept whole as long as longer ones can be cut. */
const SHORT_VALUE_WIDTH = 12;

function renderTable(rows: string[][], rightAligned: boolean[], maxWidth: number): string {
  const widthOf = (from: number) => rows[0]!.map((_, i) => Math.max(0, ...rows.slice(from).map((row) => row[i]!.length)));
  const natural = widthOf(0);
  const data = widthOf(1);
  // A cut number reads as another number: a number column narrows only its header, down to its values.
  // Headers wider than their values are cut first, then long values (ids, names) before short ones
  // (dates, NPIs, codes); columns that still do not fit are left out whole, marked with a last `…`.
  const floor = (limit: (i: number) => number) =>
    natural.map((w, i) => Math.min(w, Math.max(rightAligned[i] ? data[i]! : limit(i), MIN_COLUMN_WIDTH)));
  const widths = fitWidths(
    natural,
    // No set below short values: a table of stumps reads worse than one whose last columns are cut off.
    [floor((i) => data[i]!), floor((i) => Math.min(data[i]!, SHORT_VALUE_WIDTH))],
    maxWidth,
  );
  const shown = columnsThatFit(widths, maxWidth);
  const more = shown < widths.length ? `${' '.repeat(GAP)}…` : '';
  const line = (row: string[]) =>
    (
      row
        .slice(0, shown)
        .map((cell, i) => {
          const text = cut(cell, widths[i]!);
          return rightAligned[i] ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
        })
        .join(' '.repeat(GAP)) + more
    ).trimEnd();
  const rule = widths.slice(0, shown).map((w) => '-'.repeat(w)).join(' '.repeat(GAP)) + more;
  const [header, ...body] = rows;
  return [line(header!), rule, ...body.map(line)].join('\n') + '\n';
}

/** How many leading columns fit whole in `maxWidth`, keeping room for the `…` that says more are left out. */
function columnsThatFit(widths: number[], maxWidth: number): number {
  let used = 0;
  for (const [i, width] of widths.entries()) {
    used += (i > 0 ? GAP : 0) + width;
    const room = i === widths.length - 1 ? maxWidth : maxWidth - GAP - 1;
    // Always at least one column: a terminal narrower than it cuts the line itself.
    if (used > room) return Math.max(i, 1);
  }
  return widths.length;
}

/** Narrows the widest column above its floor, one character at a time, floor set by floor set, until the table fits. */
function fitWidths(natural: number[], floorSets: number[][], maxWidth: number): number[] {
  const widths = [...natural];
  let excess = widths.reduce((sum, w) => sum + w, 0) + GAP * (widths.length - 1) - maxWidth;
  for (const floors of floorSets) {
    while (excess > 0) {
      let widest = -1;
      widths.forEach((w, i) => {
        if (w > floors[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
      });
      if (widest < 0) break;
      widths[widest]!--;
      excess--;
    }
  }
  return widths;
}

/** Cuts text to `width` characters, marking the cut with an ellipsis. */
function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}
