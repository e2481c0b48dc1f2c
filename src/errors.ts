/**
 * The failures a user can meet, each with its exit code from the contract. Commands throw these;
 * only src/cli/main.ts turns them into a message and an exit code.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  rowsRejected: 3,
  eventsUnpublished: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export abstract class ClaimsError extends Error {
  abstract readonly exitCode: ExitCode;
}

/** Bad flags or arguments, an unreadable rules file: nothing was attempted. */
export class UsageError extends ClaimsError {
  readonly exitCode = EXIT.usage;
}

/** The input as a whole cannot be accepted (missing columns, broken syntax, too many errors). */
export class InputRefusedError extends ClaimsError {
  readonly exitCode = EXIT.failure;
  constructor(
    readonly source: string,
    message: string,
  ) {
    super(`${source}: ${message}`);
  }
}

/** The database cannot be opened, migrated or written. */
export class DatabaseError extends ClaimsError {
  readonly exitCode = EXIT.failure;
}

/** NATS is configured but cannot be reached or refuses us; events stay in the outbox. */
export class NatsUnavailableError extends ClaimsError {
  readonly exitCode = EXIT.eventsUnpublished;
}

/** A command that reads the database was pointed at a file that does not exist (a typo, or cron's $HOME). */
export class DatabaseMissingError extends ClaimsError {
  readonly exitCode = EXIT.failure;
  constructor(readonly path: string) {
    super(`no database at ${path}; create one with: claims ingest FILE --db ${path}`);
  }
}
