import { InvalidArgumentError } from 'commander';
import { parseServiceDate } from '../domain/dates.js';
import { UsageError } from '../errors.js';
import { OUTPUT_FORMATS } from '../output/formats.js';
import { choiceFlag, parsedFlag } from './flag-spec.js';

/** The flags several commands share, and the parsers that turn flag text into values. */

export const formatFlag = () => choiceFlag('--format <format>', 'output format (default: table on a terminal, else csv)', OUTPUT_FORMATS);

export const fromFlag = () => parsedFlag('--from <date>', 'service date on or after (YYYY-MM-DD, M/D/YYYY or M/D/YY)', dateFlag);
export const toFlag = () => parsedFlag('--to <date>', 'service date on or before (YYYY-MM-DD, M/D/YYYY or M/D/YY)', dateFlag);

/** An empty path (`CLAIMS_DB=` in a crontab) is a mistake, not the current directory. */
export function nonEmpty(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('must not be empty');
  return value;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
}

/** Rows per write transaction: one row at least; a million rows hold the write lock for most of a minute. */
export function batchRows(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('must be a whole number from 1 to 1000000');
  return n;
}

/** JetStream keeps at most 5 copies of a stream. */
export function replicaCount(value: string): number {
  if (!/^[1-5]$/.test(value)) throw new InvalidArgumentError('must be a whole number from 1 to 5');
  return Number(value);
}

export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0) throw new InvalidArgumentError('must be a number of seconds above 0');
  return n;
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}

/** Date flags take what input dates take, normalised to YYYY-MM-DD, so they compare with stored dates. */
function dateFlag(value: string): string {
  const parsed = parseServiceDate(value);
  if (!parsed.ok) throw new InvalidArgumentError(`${parsed.message}`);
  return parsed.value;
}

/** Runs after every flag is parsed and before any command opens a file, like the other usage errors. */
export function checkDateRange({ from, to }: { from?: string; to?: string }): void {
  if (from !== undefined && to !== undefined && to < from) {
    throw new UsageError(`--to ${to} is before --from ${from}: no service date can match`);
  }
}
