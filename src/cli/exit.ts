import { CommanderError } from 'commander';
import { environmentFailure, EXIT, type ExitCode } from '../errors.js';

/**
 * What a command's results mean for the person or script that ran it. Commands return this, not a
 * number: the exit code is decided here, from results and from errors alike.
 */
export interface Outcome {
  /** An input as a whole was refused (missing columns, broken syntax, --max-errors). */
  inputRefused?: boolean;
  /** Rows were rejected; the accepted ones were stored. */
  rowsRejected?: boolean;
  /** Events were left in the outbox or the dead-letter stream, or NATS could not be asked. */
  eventsUnpublished?: boolean;
}

export const SUCCESS: Outcome = {};

/** The contract's precedence: 1 (refused) over 3 (rows rejected) over 4 (events unpublished) over 0. */
export function exitCodeFor(outcome: Outcome): ExitCode {
  if (outcome.inputRefused) return EXIT.failure;
  if (outcome.rowsRejected) return EXIT.rowsRejected;
  if (outcome.eventsUnpublished) return EXIT.eventsUnpublished;
  return EXIT.ok;
}

export interface Failure {
  exitCode: number;
  /** The one line for the person; null when commander already printed its own (usage, --help). */
  message: string | null;
  /** A failure claims knows (its own, or the machine's); anything else is unexpected. */
  known: boolean;
}

/** The error → exit code map: usage errors 2, our error classes their contract code, the rest 1. */
export function failureOf(error: unknown, dbPath: string): Failure {
  if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage, message: null, known: true };
  // Known failures (ours, and the machine's: a full disk, a read-only file) are one line to act on.
  const known = environmentFailure(error, dbPath);
  if (known) return { exitCode: known.exitCode, message: known.message, known: true };
  return { exitCode: EXIT.failure, message: `unexpected error: ${(error as Error)?.message ?? String(error)}`, known: false };
}
