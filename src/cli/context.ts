import type { Logger } from 'pino';
import type { Output } from '../output/records.js';

/** What a command may touch of the outside world, injected so tests can drive it without a terminal. */
export interface Io {
  stdout: Output & { isTTY?: boolean };
  stderr: Output & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
}

export interface GlobalOptions {
  db: string;
  nats?: string;
  natsCreds?: string;
  /** Seconds any one NATS operation may wait for the server (default in src/events/connection.ts). */
  natsTimeout?: number;
  logLevel: string;
  quiet: boolean;
}

export interface CommandContext {
  io: Io;
  globals: GlobalOptions;
  log: Logger;
}

/** Human notes on stderr, silenced by --quiet. */
export function note(ctx: CommandContext, text: string): void {
  if (!ctx.globals.quiet) ctx.io.stderr.write(`${text}\n`);
}

export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}

/** Progress only for a person watching: stderr is a terminal, not CI, not --quiet. */
export function wantsProgress(ctx: CommandContext): boolean {
  return Boolean(ctx.io.stderr.isTTY) && !ctx.io.env.CI && !ctx.globals.quiet;
}
