import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims } from '../helpers/inputs.js';

interface TerminalRun {
  code: number;
  /** Everything the terminal received, escapes included. */
  raw: string;
}

interface TerminalOptions {
  /** `stty cols C rows R` before claims starts; [0, 0] is a terminal that reports no size. */
  size?: [number, number];
  env?: Record<string, string>;
  /** Typed once claims has written this (e.g. Ctrl-D after a prompt). */
  typeAfter?: { seen: string; keys: string };
}

/** Runs the built claims under a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are the terminal. */
function onTerminal(args: string[], options: TerminalOptions = {}): Promise<TerminalRun> {
  const [cols, rows] = options.size ?? [120, 40];
  const command = `stty cols ${cols} rows ${rows}; ${[BIN, ...args].map((a) => `'${a}'`).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm-256color', ...options.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let raw = '';
    let typed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      raw += chunk;
      if (options.typeAfter && !typed && raw.includes(options.typeAfter.seen)) {
        typed = true;
        child.stdin.write(options.typeAfter.keys);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, raw }));
  });
}

/**
 * The lines as the terminal shows them: carriage returns, `ESC[nG` (to column n) and `ESC[K`
 * (erase to the end of the line) applied, other escapes dropped. Enough for ora and our logs.
 */
function screenLines(raw: string): string[] {
  const lines: string[] = [];
  let line: string[] = [];
  let col = 0;
  const tokens = raw.match(/\x1b\[[?\d;]*[A-Za-z]|\r|\n|[^\x1b\r\n]/gu) ?? [];
  for (const token of tokens) {
    if (token === '\n') {
      lines.push(line.join(''));
      line = [];
      col = 0;
    } else if (token === '\r') {
      col = 0;
    } else if (token.startsWith('\x1b[')) {
      const [, n, command] = /^\x1b\[([?\d;]*)([A-Za-z])$/.exec(token)!;
      if (command === 'G') col = Number(n || '1') - 1;
      if (command === 'K' && (n === '' || n === '0')) line = line.slice(0, col);
    } else {
      line[col++] = token;
    }
  }
  if (line.length > 0) lines.push(line.join(''));
  return lines;
}

/** SGR, the escape that sets colours (cursor moves are fine). */
const COLOUR = /\x1b\[[\d;]*m/;
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

describe('claims on a terminal', () => {
  it('ingests a 20,000-line file on a terminal that reports no size (0x0): it finishes, with no spinner and little output', async () => {
    const file = ws.file('big.csv', csv(manyClaims(10_000, 2)));
    const run = await onTerminal(['ingest', file, '--db', ws.db], { size: [0, 0] });
    expect(run.code).toBe(0);
    expect(run.raw).not.toMatch(SPINNER);
    expect(run.raw.length).toBeLessThan(4_000);
    expect(run.raw).toContain('big.csv: 20,000 rows; stored 10,000 claims');
  }, 60_000);

  it('with NO_COLOR=1 shows no colour and no JSON: each log entry is one readable line', async () => {
    const file = ws.file('in.csv', csv([cells(), cells({ subscriber: 'S2', npi: 'bad' })]));
    const run = await onTerminal(['ingest', file, '--db', ws.db, '--log-level', 'info'], { env: { NO_COLOR: '1' } });
    expect(run.code).toBe(3);
    expect(run.raw).not.toMatch(COLOUR);
    expect(run.raw).not.toContain('{"level"');
    const logLine = screenLines(run.raw).find((line) => line.includes('ingest finished'));
    expect(logLine).toMatch(/^\d\d:\d\d:\d\d warn  ingest finished with rejected rows: see claims report rejections --run 1 run_id=1 source=\S+in\.csv input_format=csv status=completed rows_read=2 rows_rejected=1 /);
  });

  it('clears the spinner before a log line or the summary is written', async () => {
    const file = ws.file('in.csv', csv(manyClaims(3_000, 2)));
    const run = await onTerminal(['ingest', file, '--db', ws.db]);
    expect(run.raw).toMatch(SPINNER);
    const screen = screenLines(run.raw);
    expect(screen.find((line) => line.includes('ingest finished'))).toMatch(/^\d\d:\d\d:\d\d info  ingest finished /);
    expect(screen.find((line) => line.includes('rows; stored'))).toMatch(/^\/\S+in\.csv: 6,000 rows; stored 3,000 claims/);
    expect(screen.filter((line) => SPINNER.test(line))).toEqual([]);
  });

  it('colours logs on a terminal unless NO_COLOR or TERM=dumb; FORCE_COLOR wins over TERM=dumb', async () => {
    const args = ['ingest', ws.path('missing.csv'), '--db', ws.db];
    const plain = await onTerminal(args);
    expect(plain.code).toBe(1);
    expect(plain.raw).toMatch(/\x1b\[31mclaims:\x1b\[39m .*missing\.csv: cannot read/);
    expect((await onTerminal(args, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } })).raw).not.toMatch(COLOUR);
    const dumb = await onTerminal(args, { env: { TERM: 'dumb' } });
    expect(dumb.raw).not.toMatch(COLOUR);
    expect(screenLines(dumb.raw)).toContainEqual(expect.stringMatching(/^claims: .*missing\.csv: cannot read/));
    expect((await onTerminal(args, { env: { TERM: 'dumb', FORCE_COLOR: '1' } })).raw).toMatch(COLOUR);
  });

  it('shows no spinner with TERM=dumb', async () => {
    const file = ws.file('in.csv', csv(manyClaims(3_000, 2)));
    const run = await onTerminal(['ingest', file, '--db', ws.db], { env: { TERM: 'dumb' } });
    expect(run.code).toBe(0);
    expect(run.raw).not.toMatch(SPINNER);
  });

  it('ingest with no file on a terminal says how to end the input before it waits for it', async () => {
    const run = await onTerminal(['ingest', '--db', ws.db], { typeAfter: { seen: 'Ctrl-D', keys: '\x04' } });
    expect(run.raw).toContain('reading claim lines from the terminal; end with Ctrl-D (or give a file: claims ingest FILE)');
    expect(run.raw).not.toMatch(SPINNER);
    // Nothing typed before Ctrl-D: an empty input, refused.
    expect(run.code).toBe(1);
    expect(screenLines(run.raw)).toContainEqual(expect.stringMatching(/^claims: .*no header row/));
  });

  it('list shows one page that fits the terminal, with dates, NPIs and amounts whole at 120 columns', async () => {
    const file = ws.file('in.csv', csv(manyClaims(100, 2)));
    expect((await onTerminal(['ingest', file, '--db', ws.db, '-q'])).code).toBe(0);
    const short = await onTerminal(['list', '--db', ws.db], { size: [200, 10] });
    const shown = screenLines(short.raw).filter((line) => line.trim() !== '');
    // Header, rule, rows and the note: no taller than the terminal.
    expect(shown.length).toBeLessThanOrEqual(10);
    expect(shown.at(-1)).toMatch(/^showing \d+ claims, \d+ more: --offset \d+ next, \| less for all$/);

    const wide = await onTerminal(['list', '--lines', '--db', ws.db, '--limit', '3'], { size: [120, 40] });
    const lines = screenLines(wide.raw).filter((line) => line.trim() !== '');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    const [first] = lines.slice(2);
    expect(first).toMatch(/\b20\d\d-\d\d-\d\d\b/);
    expect(first).toMatch(/\b\d{10}\b/);
    expect(first).toMatch(/\b\d+\.\d\d\b/);
  });
});
