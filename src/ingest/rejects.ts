import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Issue } from '../domain/types.js';
import { RejectsFileError } from '../errors.js';
import type { InputRow } from './normalise.js';
import type { RejectionToStore, RejectsSink } from './ports.js';

export const ROW_COLUMN = '_row';
export const ERRORS_COLUMN = '_errors';

/** Every error in one line, `field "value": message [rule]`, readable in a spreadsheet cell. */
export function describeIssues(
  issues: readonly { rule: string; field: string | null; value: string; message: string }[],
): string {
  return issues
    .map((i) => `${i.field ?? 'row'}${i.field !== null && i.value !== '' ? ` ${quoted(i.value)}` : ''}: ${i.message} [${i.rule}]`)
    .join('; ');
}

/** DEL and the C1 controls, which JSON.stringify leaves raw although a terminal acts on some of them. */
const UNPRINTABLE = /[\u007f-\u009f]/g;

/** A value as a JSON string, every control character escaped (C0 by JSON.stringify, DEL and C1 here). */
function quoted(value: string): string {
  return JSON.stringify(value).replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A rejected row as storage keeps it. The fingerprint finds the same bad row met again (a rerun),
 * which is then recorded once.
 */
export function rejectionRecord(source: string, input: InputRow, issues: readonly Issue[]): RejectionToStore {
  const errors = issues.map(({ rule, field, value, message }) => ({ rule, field, value, message }));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify([source, input.row, input.values, errors]))
    .digest('hex');
  return { fingerprint, source, row: input.row, values: input.values, errors };
}

/**
 * The `--rejects` CSV: the original columns plus `_row` and `_errors`, so the rows can be fixed and
 * ingested again. Columns come from the first input's header; later inputs fill them by name.
 *
 * Written to a temporary file beside the target, readable by its owner only (the rows hold subscriber
 * numbers), and renamed over it by commit(): a failed or interrupted command leaves the previous file
 * as it was, never a truncated one. A target that is not a regular file (/dev/stdout, a pipe) is
 * written in place.
 */
export class RejectsFile implements RejectsSink {
  private readonly fd: number;
  private readonly writtenPath: string;
  private columns: string[] | null = null;
  private open = true;

  constructor(readonly path: string) {
    const existing = statSync(path, { throwIfNoEntry: false });
    const inPlace = existing !== undefined && !existing.isFile();
    this.writtenPath = inPlace ? path : join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    try {
      this.fd = openSync(this.writtenPath, 'w', 0o600);
    } catch (error) {
      throw new RejectsFileError(path, error as NodeJS.ErrnoException);
    }
  }

  write(header: readonly string[], row: InputRow, issues: readonly Issue[]): void {
    let text = '';
    if (this.columns === null) {
      // No header yet (a JSON input whose first element is not an object): the row's own keys.
      this.columns = header.length > 0 ? [...header] : Object.keys(row.values);
      text += stringify([[...this.columns, ROW_COLUMN, ERRORS_COLUMN]]);
    }
    const cells = this.columns.map((column) => row.values[column] ?? '');
    text += stringify([[...cells, String(row.row), describeIssues(issues)]]);
    try {
      writeSync(this.fd, text);
    } catch (error) {
      throw new RejectsFileError(this.path, error as NodeJS.ErrnoException);
    }
  }

  /** The command ended: the file takes its place. */
  commit(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
      if (this.writtenPath !== this.path) renameSync(this.writtenPath, this.path);
    } catch (error) {
      this.removeTemporary();
      throw new RejectsFileError(this.path, error as NodeJS.ErrnoException);
    }
  }

  /** The command failed: the target is left as it was. */
  abort(): void {
    if (!this.open) return;
    this.open = false;
    try {
      closeSync(this.fd);
    } finally {
      this.removeTemporary();
    }
  }

  private removeTemporary(): void {
    if (this.writtenPath === this.path) return;
    try {
      unlinkSync(this.writtenPath);
    } catch {
      // Already gone.
    }
  }
}
