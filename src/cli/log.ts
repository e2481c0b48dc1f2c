import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Output } from '../output/records.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** JSON lines for machines (cron mail, journald, collectors); a readable line for a person at a terminal. */
export function defaultLogFormat(stderr: { isTTY?: boolean }): LogFormat {
  return stderr.isTTY ? 'pretty' : 'json';
}

/** The usual conventions: NO_COLOR wins, then FORCE_COLOR, then TERM=dumb, then whether it is a terminal. */
export function colourAllowed(env: NodeJS.ProcessEnv, stream: { isTTY?: boolean }): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return Boolean(stream.isTTY);
}

export interface LogSettings {
  level: string;
  format: LogFormat;
  colour: boolean;
}

/**
 * pino on the command's stderr (stdout is for data). Keys are snake_case like every data output, so
 * `run_id` or `rows_rejected` is the same word in a log line and in a CSV column.
 */
export function createLogger(settings: LogSettings, stderr: Output): Logger {
  // pino is loaded at the first use, not before: a report that logs nothing never loads it.
  let logger: Logger | null = null;
  const real = () => (logger ??= pinoLogger(settings, stderr));
  return new Proxy({} as Logger, {
    get: (_, key) => {
      const value = Reflect.get(real(), key) as unknown;
      return typeof value === 'function' ? value.bind(real()) : value;
    },
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
  });
}

function pinoLogger(settings: LogSettings, stderr: Output): Logger {
  const write = settings.format === 'json' ? (line: string) => stderr.write(line) : prettyWriter(settings.colour, stderr);
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino(
    {
      level: settings.level,
      redact: { paths: ['*.password', '*.pass', '*.token', '*.url'], censor: '[redacted]' },
      formatters: { log: snakeCaseKeys },
    },
    { write },
  );
}

function snakeCaseKeys(object: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  return out;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
/** SGR colours per level: grey, grey, cyan, yellow, red, red. */
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '90', 30: '36', 40: '33', 50: '31', 60: '31' };
/** pino's own fields, not the entry's. */
const PINO_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

/**
 * One line per entry: `12:04:05 warn  NATS disconnect server=127.0.0.1:4222`. An error is the
 * `claims: …` line a person reads (its details stay in JSON logs).
 */
function prettyWriter(colour: boolean, stderr: Output): (line: string) => void {
  const paint = (code: string, text: string) => (colour ? `\x1b[${code}m${text}\x1b[39m` : text);
  return (line) => {
    const entry = JSON.parse(line) as Record<string, unknown> & { level: number; time: number; msg?: string };
    if (entry.level >= 50) {
      stderr.write(`${paint(LEVEL_COLOURS[entry.level]!, 'claims:')} ${entry.msg ?? ''}\n`);
      return;
    }
    const fields = Object.entries(entry)
      .filter(([key, value]) => !PINO_KEYS.has(key) && value !== null)
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    const time = new Date(entry.time).toTimeString().slice(0, 8);
    const level = paint(LEVEL_COLOURS[entry.level] ?? '39', (LEVEL_NAMES[entry.level] ?? String(entry.level)).padEnd(5));
    stderr.write(`${paint('90', time)} ${level} ${[entry.msg ?? '', ...fields].join(' ')}\n`);
  };
}

export interface FailureContext {
  io: { stderr: Output };
  log: Logger;
  logFormat: LogFormat;
}

/**
 * A refusal or an unexpected error: logged at `error`, and always shown as one `claims: …` line,
 * whatever `-q` or `--log-level` say, so a cron job that fails never mails nothing.
 */
export function reportFailure(ctx: FailureContext, message: string, fields: Record<string, unknown> = {}): void {
  // One line either way: the error entry itself (pretty: `claims: …`; json: one entry with the message),
  // or, when --log-level hides errors, the plain `claims: …` line.
  if (ctx.log.isLevelEnabled('error')) ctx.log.error(fields, message);
  else ctx.io.stderr.write(`claims: ${message}\n`);
}
