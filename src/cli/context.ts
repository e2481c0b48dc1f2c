import type { Logger } from 'pino';
import { formatCents } from '../domain/money.js';
import type { Output } from '../output/records.js';
import type { GlobalOptions } from './global-options.js';
import type { LogFormat } from './log.js';

/** A terminal tells its size; a pseudo-terminal that was never sized says 0 columns. */
export type Terminal = Output & { isTTY?: boolean; columns?: number };

/** What a command may touch of the outside world, injected so tests can drive it without a terminal. */
export interface Io {
  stdout: Terminal;
  stderr: Terminal;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export type { GlobalOptions } from './global-options.js';

export interface CommandContext {
  io: Io;
  globals: GlobalOptions;
  log: Logger;
  /** The format the logger was made with (not only what was asked). */
  logFormat: LogFormat;
  /** Colour on stderr is allowed (NO_COLOR, FORCE_COLOR, TERM=dumb, a terminal). */
  colour: boolean;
}

/**
 * The process's streams, made safe for a reader that goes away (`claims list | head -1`): the
 * command is not killed by EPIPE, and once stdout is closed, what would go there is dropped, so
 * `list` and `report` end with 0 and `ingest` and `replay` finish their work with their own code.
 */
export function processIo(): Io {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', ignoreClosedReader);
  const stdout = process.stdout;
  return {
    stdout: {
      get isTTY() {
        return stdout.isTTY;
      },
      get columns() {
        return stdout.columns;
      },
      get rows() {
        return stdout.rows;
      },
      // `destroyed` is set as the failed write returns, before the error event: no write after it.
      write: (chunk: string) => !stdout.destroyed && stdout.write(chunk),
    },
    // ora needs the real stream (cursor moves); a closed stderr only loses what it would have shown.
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
  };
}

function ignoreClosedReader(error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
  throw error;
}

/** Human notes on stderr, silenced by --quiet. */
export function note(ctx: CommandContext, text: string): void {
  if (!ctx.globals.quiet) ctx.io.stderr.write(`${text}\n`);
}

/**
 * Where a comma goes in a run of whole digits, as en-US writes counts and money: `12,345`,
 * `12,345.67`. By hand: a process's first toLocaleString loads ICU's number formats, 25 ms of every
 * command that prints a count.
 */
const THOUSANDS = /\B(?=(\d{3})+(?!\d))/g;

/** Money in human lines, grouped like the counts beside it: `12,345.67`. */
export function money(cents: number): string {
  return formatCents(cents).replace(THOUSANDS, ',');
}

/** A count in human lines: `12,345`. */
export function count(n: number): string {
  return String(n).replace(THOUSANDS, ',');
}

export function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Progress only for a person watching a terminal that can draw it: stderr is a terminal with a
 * size (a 0-column one makes every frame an endless run of cursor moves), not TERM=dumb, not CI,
 * not --quiet.
 */
export function wantsProgress(ctx: CommandContext): boolean {
  const { stderr, env } = ctx.io;
  return Boolean(stderr.isTTY) && (stderr.columns ?? 0) > 0 && env.TERM !== 'dumb' && !env.CI && !ctx.globals.quiet;
}
