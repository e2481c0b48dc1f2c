import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { Workspace, type CliResult } from './cli.js';

export interface InProcessOptions {
  stdin?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Pretend stdout / stderr are terminals. */
  stdoutIsTTY?: boolean;
  stderrIsTTY?: boolean;
  /** The terminal's size as stdout reports it (Node sets columns/rows on a TTY). */
  stdoutColumns?: number;
  stdoutRows?: number;
}

/** A writable that keeps what it is given, as a pipe or a terminal would receive it. */
class Capture extends PassThrough {
  text = '';
  constructor(
    readonly isTTY: boolean,
    readonly columns?: number,
    readonly rows?: number,
  ) {
    super();
    this.setEncoding('utf8');
    this.on('data', (chunk: string) => (this.text += chunk));
  }
}

/**
 * Runs `claims` in this process through `main(argv, io)`: no process start, so most CLI tests can
 * run this way; spawn the binary (helpers/cli.ts) only for signals, terminals and the bin itself.
 */
export async function runMain(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
  const stdout = new Capture(options.stdoutIsTTY ?? false, options.stdoutColumns, options.stdoutRows);
  const stderr = new Capture(options.stderrIsTTY ?? false);
  const env: NodeJS.ProcessEnv = { ...(options.env ?? {}) };
  const code = await main(args, { stdout, stderr, stdin: Readable.from([options.stdin ?? '']), env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/**
 * The failures shown on stderr, one per line: a `claims: …` line, or a JSON log entry at error level
 * (`msg`). Any other line fails the test: a failure must read as exactly one line.
 */
export function failureLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      if (line.startsWith('claims: ')) return line.slice('claims: '.length);
      const entry = JSON.parse(line) as { level: number; msg: string };
      if (entry.level < 50) throw new Error(`not a failure line: ${line}`);
      return entry.msg;
    });
}

/** A Workspace whose `run` calls main() in this process instead of spawning the binary. */
export class InProcessWorkspace extends Workspace {
  override run(args: string[], options: InProcessOptions = {}): Promise<CliResult> {
    return runMain([...args, '--db', this.db], options);
  }
}

/** What a user can see of a database: every claim, every line and every event state (run ids aside). */
export async function databaseContents(w: { run(args: string[]): Promise<CliResult> }) {
  const claims = JSON.parse((await w.run(['list', '--format', 'json'])).stdout) as Record<string, unknown>[];
  const lines = JSON.parse((await w.run(['list', '--lines', '--format', 'json'])).stdout) as unknown;
  const summary = JSON.parse((await w.run(['report', 'summary', '--format', 'json'])).stdout) as Record<string, unknown>;
  const { runs: _runs, ...totals } = summary;
  return { claims: claims.map(({ run_id: _r, ...c }) => c), lines, totals };
}
