import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE, Workspace } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';
import { failureLines, runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

describe('-q for cron and scripts', () => {
  it('a successful ingest -q prints nothing at all, on stdout or stderr', async () => {
    const piped = await runMain(['ingest', FIXTURE, '--db', ws.db, '-q']);
    expect(piped).toEqual({ code: 0, stdout: '', stderr: '' });
    const terminal = await runMain(['ingest', FIXTURE, '--db', ws.db, '-q'], { stdoutIsTTY: true, stderrIsTTY: true });
    expect(terminal).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('-q keeps the data asked for with --format', async () => {
    const result = await runMain(['ingest', FIXTURE, '--db', ws.db, '-q', '--format', 'json']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject([{ claims_stored: 1, rows_rejected: 0 }]);
  });

  it('-q with rows rejected prints one warning saying where to see them, and exit 3', async () => {
    const file = ws.file('in.csv', csv([cells(), cells({ subscriber: 'S2', npi: 'bad' })]));
    const result = await runMain(['ingest', file, '--db', ws.db, '-q']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr).map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 40, rows_rejected: 1, msg: 'ingest finished with rejected rows: see claims report rejections --run 1' }),
    ]);
    expect(result.stderr).not.toContain('S2');
  });

  it.each([
    ['-q --log-level warn', ['-q', '--log-level', 'warn']],
    ['-q --log-level silent', ['-q', '--log-level', 'silent']],
    ['--log-level silent', ['--log-level', 'silent']],
    ['-q --log-format pretty', ['-q', '--log-format', 'pretty']],
  ])('a refused input is always shown, as exactly one line (%s)', async (_, flags) => {
    const result = await runMain(['ingest', ws.path('nope.csv'), '--db', ws.db, ...flags]);
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([expect.stringMatching(/nope\.csv: cannot read/)]);
  });

  it('a refusal is one JSON entry at error level in JSON logs', async () => {
    const result = await runMain(['ingest', ws.file('empty.csv', ''), '--db', ws.db, '-q', '--log-format', 'json']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr).map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 50, status: 'refused', msg: expect.stringMatching(/empty\.csv: no header row/) }),
    ]);
  });

  it('a refusal is one claims: line in pretty logs', async () => {
    const result = await runMain(['ingest', ws.file('empty.csv', ''), '--db', ws.db, '-q', '--log-format', 'pretty']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^claims: .*empty\.csv: no header row/)]);
  });

  it('errors other than refusals are always shown too, without a stack trace', async () => {
    const usage = await runMain(['replay', '--db', ws.db, '-q', '--log-level', 'silent']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe('claims: replay needs a NATS server: give --nats <url> or set NATS_URL\n');
    const noDb = await runMain(['ingest', FIXTURE, '--db', ws.path('no/such/dir/claims.db'), '-q', '--log-level', 'info']);
    expect(noDb.code).toBe(1);
    expect(failureLines(noDb.stderr)).toEqual([expect.stringMatching(/^cannot open database/)]);
    expect(noDb.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('log format', () => {
  it('--log-format json: pino lines whose keys are snake_case, with the names of the data outputs', async () => {
    const file = ws.file('in.csv', csv([cells(), cells({ subscriber: 'S2', npi: 'bad' })]));
    const result = await runMain(['ingest', file, '--db', ws.db, '--log-format', 'json', '--format', 'json'], { stderrIsTTY: true });
    const entries = lines(result.stderr)
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const finished = entries.find((entry) => String(entry.msg).startsWith('ingest finished'));
    expect(finished).toMatchObject({ level: 40, run_id: 1, rows_read: 2, rows_rejected: 1, claims_stored: 1, input_format: 'csv' });
    const [record] = JSON.parse(result.stdout) as Record<string, unknown>[];
    for (const key of ['run_id', 'rows_rejected', 'claims_stored', 'claims_duplicate', 'lines_stored', 'net_fee_cents']) {
      expect(finished![key]).toBe(record![key]);
    }
    for (const entry of entries) for (const key of Object.keys(entry)) expect(key).toMatch(/^[a-z0-9_]+$/);
  });

  it('defaults to JSON when stderr is not a terminal and to one pretty line per entry on a terminal', async () => {
    const piped = await runMain(['ingest', FIXTURE, '--db', ws.db]);
    expect(lines(piped.stderr)[0]).toMatch(/^\{"level":30,/);
    const terminal = await runMain(['ingest', FIXTURE, '--db', ws.db], { stderrIsTTY: true, env: { NO_COLOR: '1' } });
    expect(terminal.stderr).not.toContain('{"level"');
    expect(lines(terminal.stderr)[0]).toMatch(/^\d\d:\d\d:\d\d info  ingest finished run_id=2 source=\S+claim_1234\.csv input_format=csv status=completed rows_read=4 /);
  });

  it('--log-format pretty uses no colour when stderr is not a terminal', async () => {
    const result = await runMain(['ingest', FIXTURE, '--db', ws.db, '--log-format', 'pretty']);
    expect(result.stderr).not.toMatch(/\x1b\[/);
    expect(lines(result.stderr)[0]).toMatch(/^\d\d:\d\d:\d\d info  ingest finished /);
  });
});
