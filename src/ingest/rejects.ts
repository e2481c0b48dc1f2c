import { closeSync, openSync, writeSync } from 'node:fs';
import { stringify } from 'csv-stringify/sync';
import type { Issue } from '../domain/types.js';
import { UsageError } from '../errors.js';
import type { InputRow } from './normalise.js';

export const ROW_COLUMN = '_row';
export const ERRORS_COLUMN = '_errors';

/** Every error in one line, `field "value": message [rule]`, readable in a spreadsheet cell. */
export function describeIssues(
  issues: readonly { rule: string; field: string | null; value: string; message: string }[],
): string {
  return issues
    .map((i) => `${i.field ?? 'row'}${i.field !== null && i.value !== '' ? ` ${JSON.stringify(i.value)}` : ''}: ${i.message} [${i.rule}]`)
    .join('; ');
}

/**
 * The `--rejects` CSV: the original columns plus `_row` and `_errors`, so the rows can be fixed and
 * ingested again. Columns come from the first input's header; later inputs fill them by name.
 */
export class RejectsFile {
  private readonly fd: number;
  private columns: string[] | null = null;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw new UsageError(`cannot write rejects file ${path}: ${(error as Error).message}`);
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
    writeSync(this.fd, text);
  }

  close(): void {
    closeSync(this.fd);
  }
}
