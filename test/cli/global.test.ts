import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, claims, FIXTURE } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';
import { failureLines, InProcessWorkspace, runMain } from '../helpers/main.js';

let ws: InProcessWorkspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

const COMMANDS = [[], ['ingest'], ['replay'], ['list'], ['report'], ['report', 'top-providers'], ['report', 'summary'], ['report', 'rejections'], ['rules']];

describe('global options', () => {
  it('may stand before or after the command words', async () => {
    await runMain(['--db', ws.db, 'ingest', FIXTURE]);
    const after = await runMain(['report', 'summary', '--db', ws.db, '--format', 'json']);
    const before = await runMain(['--db', ws.db, 'report', 'summary', '--format', 'json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ claims: 1 });
    expect(before.stdout).toBe(after.stdout);
  });

  it('takes the database from CLAIMS_DB, and --db beats it', async () => {
    const env = { CLAIMS_DB: ws.db };
    await runMain(['ingest', FIXTURE], { env });
    expect(JSON.parse((await runMain(['report', 'summary', '--format', 'json'], { env })).stdout)).toMatchObject({ claims: 1 });
    const other = ws.path('other.db');
    const flagged = await runMain(['report', 'summary', '--format', 'json', '--db', other], { env });
    expect(flagged.stderr).toContain(`no database at ${other}`);
  });

  it('logs JSON lines on stderr at the level from CLAIMS_LOG_LEVEL or --log-level, never on stdout', async () => {
    const debug = await ws.run(['ingest', FIXTURE, '--format', 'json', '-q'], { env: { CLAIMS_LOG_LEVEL: 'debug' } });
    const logLines = debug.stderr.trim().split('\n');
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty('level');
    expect(JSON.parse(debug.stdout)).toHaveLength(1);
    const silent = await ws.run(['ingest', FIXTURE, '-q', '--log-level', 'error'], { env: { CLAIMS_LOG_LEVEL: 'debug' } });
    expect(silent.stderr).toBe('');
  });

  it('takes the log format from CLAIMS_LOG_FORMAT or --log-format (json by default off a terminal)', async () => {
    const fromEnv = await ws.run(['ingest', FIXTURE], { env: { CLAIMS_LOG_FORMAT: 'pretty' } });
    expect(fromEnv.stderr.split('\n')[0]).toMatch(/^\d\d:\d\d:\d\d info  ingest finished run_id=1 /);
    const flagged = await ws.run(['ingest', FIXTURE, '--log-format', 'json'], { env: { CLAIMS_LOG_FORMAT: 'pretty' } });
    expect(JSON.parse(flagged.stderr.split('\n')[0]!)).toMatchObject({ level: 30, msg: 'ingest finished', run_id: 2 });
    expect((await ws.run(['ingest', FIXTURE, '--log-format', 'xml'])).code).toBe(2);
  });

  it('keeps subscriber numbers out of info-level logs', async () => {
    const file = ws.file('in.csv', csv([cells({ subscriber: 'SUB-SECRET-42' }), cells({ subscriber: 'SUB-SECRET-43', npi: 'bad' })]));
    const result = await ws.run(['ingest', file, '-q', '--log-level', 'info']);
    // Positive control: the run did log (its finished line, with the rejected row counted).
    expect(result.stderr).toContain('"msg":"ingest finished');
    expect(result.stderr).toContain('"rows_rejected":1');
    expect(result.stderr).not.toContain('SUB-SECRET');
  });

  it('--quiet drops the human summary but not the data', async () => {
    const result = await ws.run(['ingest', FIXTURE, '-q', '--log-level', 'silent', '--format', 'json']);
    expect(result.stderr).toBe('');
    // Positive control: the same run, logging, does write to stderr.
    expect((await ws.run(['ingest', FIXTURE, '-q', '--format', 'json'], { env: { CLAIMS_LOG_LEVEL: 'info' } })).stderr).toContain('ingest finished');
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ claims_stored: 1 });
  });

  it('shows no progress spinner when stderr is not a terminal', async () => {
    const result = await ws.run(['ingest', FIXTURE, '--log-level', 'silent']);
    // Positive control: stderr had the human summary, just no spinner frame.
    expect(result.stderr).toContain('stored 1 claim');
    expect(result.stderr).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });

  it('prints the version', async () => {
    const result = await runMain(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each(COMMANDS)('has --help with an example: %s', async (...words) => {
    const result = await runMain([...words, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: claims');
    expect(result.stdout).toMatch(/Examples?:\n\s+\$ claims /);
  });
});

describe('exit codes', () => {
  it('0 on success, with pending events and no NATS', async () => {
    const result = await ws.run(['ingest', FIXTURE]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('claims replay');
  });

  it('1 when the input is refused, nothing of it kept', async () => {
    const result = await ws.run(['ingest', ws.file('empty.csv', '')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('empty.csv: no header row');
  });

  it('1 for a file that cannot be read, naming it', async () => {
    const result = await ws.run(['ingest', ws.path('nope.csv')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.csv: cannot read');
  });

  it('1 when the database cannot be opened', async () => {
    const result = await runMain(['ingest', FIXTURE, '--db', ws.path('no/such/dir/claims.db')]);
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([expect.stringMatching(/^cannot open database .*no\/such\/dir\/claims\.db/)]);
  });

  it.each([
    [['bogus']],
    [['ingest', '--bogus']],
    [['list', '--limit', 'many']],
    [['list', '--from', '28/3/2018']],
    [['ingest', '--max-errors', '-1']],
    [['ingest', '--input-format', 'xml']],
  ])('2 for a usage error: %j', async (args) => {
    const result = await ws.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/error: /);
  });

  it('the built bin exits with main()\'s code (3) and its own usage code (2)', async () => {
    const bad = ws.file('bad.csv', csv([cells({ npi: 'x' })]));
    expect((await claims(['ingest', bad, '--db', ws.db])).code).toBe(3);
    expect((await claims(['bogus'])).code).toBe(2);
  });

  it('3 when rows were rejected, and 1 wins over 3 across inputs', async () => {
    const bad = ws.file('bad.csv', csv([cells({ npi: 'x' })]));
    expect((await ws.run(['ingest', bad])).code).toBe(3);
    expect((await ws.run(['ingest', bad, ws.file('empty.csv', '')])).code).toBe(1);
  });
});

describe('progress', () => {
  /** Runs claims under a pseudo-terminal (util-linux `script`), so stderr is a TTY. */
  async function onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
    const { execFile } = await import('node:child_process');
    const command = ['stty cols 120 rows 40;', BIN, ...args].join(' ');
    return new Promise((resolve, reject) => {
      execFile('script', ['-qec', command, '/dev/null'], { env: { PATH: process.env.PATH, ...env } }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });
  }

  it('shows a spinner with the row count on a terminal, but not under CI or with --quiet', async () => {
    const file = ws.file('in.csv', csv(Array.from({ length: 50 }, (_, i) => cells({ subscriber: `S${i}` }))));
    const args = ['ingest', file, '--db', ws.db, '--log-level', 'silent'];
    expect(await onTerminal(args)).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏].*in\.csv: 50 rows/);
    expect(await onTerminal(args, { CI: 'true' })).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
    expect(await onTerminal([...args, '-q'])).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
  });
});
