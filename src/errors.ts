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

/** A command stopped by a signal exits as the shell expects of a process that signal killed. */
export const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const;

export type StopSignal = keyof typeof SIGNAL_EXIT;

export abstract class ClaimsError extends Error {
  abstract readonly exitCode: ExitCode | (typeof SIGNAL_EXIT)[StopSignal];
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
/** The disk holding the database is full: nothing of the input being read was kept. */
export class DiskFullError extends DatabaseError {
  constructor(path: string) {
    super(`${path}: the disk is full; free some space, then run the same command again`);
  }
}

/** The database, its -wal/-shm files or its directory cannot be written. */
export class ReadOnlyDatabaseError extends DatabaseError {
  constructor(path: string, detail: string) {
    super(
      `${path}: cannot write the database (${detail}); claims writes the file and its -wal and -shm files ` +
        'beside it: make the file and its directory writable, or use another --db',
    );
  }
}

/** The file is not a claims database any more: a table was dropped, or the file is damaged. */
export class DamagedDatabaseError extends DatabaseError {
  constructor(path: string, detail: string) {
    super(`${path}: ${detail}; the database was changed outside claims: restore it from a backup or use a new --db file`);
  }
}

/** Migrations this build does not know were applied: an older claims must not write it. */
export class NewerDatabaseError extends DatabaseError {
  constructor(path: string) {
    super(`${path} was written by a newer claims; upgrade claims`);
  }
}

/** This process stopped renewing its run's lease for so long (paused, suspended) that another declared it dead. */
export class RunTakenOverError extends DatabaseError {
  constructor(runId: number) {
    super(`run ${runId} was declared dead by another claims process (this one stopped answering for too long); run the same command again`);
  }
}

/** The --rejects file cannot be created or written (full disk, read-only place, no such folder). */
export class RejectsFileError extends ClaimsError {
  readonly exitCode = EXIT.failure;
  constructor(path: string, error: NodeJS.ErrnoException) {
    super(`cannot write rejects file ${path}: ${ERRNO_TEXT[error.code ?? ''] ?? error.message}; ${ERRNO_ADVICE[error.code ?? ''] ?? 'choose another --rejects path'}`);
  }
}

const ERRNO_TEXT: Partial<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such directory',
  EDQUOT: 'disk quota exceeded',
};

const ERRNO_ADVICE: Partial<Record<string, string>> = {
  ENOSPC: 'free some space or choose another --rejects path',
  EDQUOT: 'free some space or choose another --rejects path',
};

/**
 * SIGINT, SIGTERM or SIGHUP stopped an ingest (its unfinished input was rolled back) or its publishing,
 * or a replay (what went out is recorded, the rest left to deliver).
 */
export class InterruptedError extends ClaimsError {
  readonly exitCode;
  constructor(readonly signal: StopSignal) {
    super('interrupted; run the same command again to finish');
    this.exitCode = SIGNAL_EXIT[signal];
  }
}

/**
 * Failures of the machine rather than of claims (SQLite result codes, errno codes), as the error a
 * user can act on; null for anything else, which stays an unexpected error.
 */
export function environmentFailure(error: unknown, dbPath: string): ClaimsError | null {
  if (error instanceof ClaimsError) return error;
  // A failed statement, as drizzle wraps it (with its parameters: claim data, never shown): PostgreSQL
  // refused it or could not be reached. The driver's message says why.
  const { query, cause } = error as { query?: unknown; cause?: unknown };
  if (typeof query === 'string' && cause instanceof Error) return new DatabaseError(`database error: ${cause.message}`);
  const { code, message, path } = error as { code?: unknown; message?: unknown; path?: unknown };
  if (typeof code !== 'string') return null;
  const text = typeof message === 'string' ? message : '';
  // A file system error counts only for the database file itself (an input file's has its own message).
  const ofDb = code.startsWith('SQLITE_') || path === dbPath;
  if (!ofDb) return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return new DiskFullError(dbPath);
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new ReadOnlyDatabaseError(dbPath, ERRNO_TEXT[code] ?? text);
  }
  if (code === 'SQLITE_CANTOPEN') return new ReadOnlyDatabaseError(dbPath, 'unable to open the database file or create its -wal and -shm files');
  const missing = /^no such (table|column): (\S+)/.exec(text);
  if (code === 'SQLITE_ERROR' && missing) return new DamagedDatabaseError(dbPath, `${missing[1]} ${missing[2]} is missing`);
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new DamagedDatabaseError(dbPath, text);
  return null;
}
