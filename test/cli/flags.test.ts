import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claims, FIXTURE, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims } from '../helpers/inputs.js';
import { failureLines, runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const READERS = [
  ['list'],
  ['list', '--lines'],
  ['runs'],
  ['report', 'summary'],
  ['report', 'top-providers'],
  ['report', 'rejections'],
  ['replay', '--dry-run'],
  ['replay', '--dry-run', '--format', 'json'],
  // Refused before any connection is tried: nothing listens on this port.
  ['replay', '--nats', 'nats://127.0.0.1:1'],
];

describe('a --db that does not exist', () => {
  it.each(READERS.map((words) => [words.join(' '), words]))('is refused by %s, naming the path and how to create one, creating nothing', async (_name, words) => {
    const typo = ws.path('typo.db');
    const result = await runMain([...words, '--db', typo]);
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([`no database at ${typo}; create one with: claims ingest FILE --db ${typo}`]);
    expect(result.stdout).toBe('');
    expect(existsSync(typo)).toBe(false);
  });

  it('is created by ingest, and not by a dry run', async () => {
    const dry = await runMain(['ingest', FIXTURE, '--dry-run', '--db', ws.db]);
    expect(dry.code).toBe(0);
    expect(existsSync(ws.db)).toBe(false);
    expect((await runMain(['ingest', FIXTURE, '--db', ws.db])).code).toBe(0);
    expect((await runMain(['list', '--db', ws.db, '--format', 'json'])).code).toBe(0);
  });

  it.each(
    [
      ['list', '--limit', '0'],
      ['list', '--from', '2018-13-45'],
      ['report', 'top-providers', '--to', 'yesterday'],
      ['list', '--from', '2018-03-01', '--to', '2018-02-01'],
      ['runs', '--status', 'done'],
      ['replay'],
    ].map((words) => [words.join(' '), words]),
  )('with a bad flag is a usage error first: %s', async (_name, words) => {
    const typo = ws.path('typo.db');
    const result = await runMain([...words, '--db', typo]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('no database');
    expect(existsSync(typo)).toBe(false);
  });
});

describe('an empty --db', () => {
  it('is a usage error, from the flag or from CLAIMS_DB (an empty line in a crontab), creating nothing', async () => {
    expect((await runMain(['list', '--db', ''])).code).toBe(2);
    const fromEnv = await claims(['ingest', FIXTURE], { env: { CLAIMS_DB: '' }, cwd: ws.dir });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain("from env 'CLAIMS_DB' is invalid. must not be empty");
    expect(existsSync(ws.path('claims.db'))).toBe(false);
  });
});

describe('bad NATS settings', () => {
  it.each([
    ['an unsupported scheme', ['--nats', 'ftp://127.0.0.1']],
    ['a missing credentials file', ['--nats', 'nats://127.0.0.1:1', '--nats-creds', 'no-such.creds']],
  ])('with %s are a usage error before ingest creates a database', async (_name, flags) => {
    const result = await runMain(['ingest', FIXTURE, ...flags, '--db', ws.db]);
    expect(result.code).toBe(2);
    expect(existsSync(ws.db)).toBe(false);
  });

  it('are a usage error on report summary before a missing database is refused', async () => {
    const result = await runMain(['report', 'summary', '--nats', 'ftp://127.0.0.1', '--db', ws.path('typo.db')]);
    expect(result.code).toBe(2);
  });
});

describe('date flags', () => {
  const ids = async (args: string[]) => {
    const result = await runMain(['list', '--db', ws.db, '--format', 'json', ...args]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { claim_number: string }[]).length;
  };

  beforeEach(async () => {
    // claim_1234.csv: one claim of service date 2018-03-28.
    expect((await runMain(['ingest', FIXTURE, '--db', ws.db])).code).toBe(0);
  });

  it('accept what input dates accept, as the same day', async () => {
    expect(await ids(['--from', '3/28/18', '--to', '03/28/2018'])).toBe(1);
    expect(await ids(['--from', '2018-03-28 00:00'])).toBe(1);
    expect(await ids(['--from', '3/29/2018'])).toBe(0);
    expect(await ids(['--to', '2018-03-27'])).toBe(0);
  });

  it.each([
    ['--from', '2018-13-45'],
    ['--to', '2/30/18'],
    ['--from', '28.03.2018'],
  ])('refuse an impossible or unknown date as a usage error naming the flag: %s %s', async (flag, value) => {
    const result = await runMain(['list', '--db', ws.db, flag, value]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`option '${flag} <date>' argument '${value}' is invalid`);
  });

  it('refuse --to before --from, on list and on top-providers', async () => {
    for (const words of [['list'], ['report', 'top-providers']]) {
      const result = await runMain([...words, '--db', ws.db, '--from', '2018-03-28', '--to', '3/1/18']);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('claims: --to 2018-03-01 is before --from 2018-03-28: no service date can match\n');
    }
  });
});

describe('--batch-rows', () => {
  it.each(['0', '-1', '2.5', 'many', '1000001'])('refuses %s as a usage error naming the flag, creating nothing', async (bad) => {
    const result = await runMain(['ingest', FIXTURE, '--batch-rows', bad, '--db', ws.db]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--batch-rows <n>' argument");
    expect(result.stderr).toContain('must be a whole number from 1 to 1000000');
    expect(await ws.dbExists()).toBe(false);
  });

  it('stores in batches of one row exactly what one batch stores, as one run', async () => {
    const rows = csv([...manyClaims(5, 3), cells({ subscriber: 'R', npi: 'bad' })]);
    const small = await runMain(['ingest', '-', '--batch-rows', '1', '--db', ws.db, '--format', 'json'], { stdin: rows });
    const other = new Workspace();
    try {
      const whole = await runMain(['ingest', '-', '--db', other.db, '--format', 'json'], { stdin: rows });
      expect(small.code).toBe(3);
      expect(JSON.parse(small.stdout)).toEqual(JSON.parse(whole.stdout));
      const listed = async (db: string) => (await runMain(['list', '--lines', '--format', 'json', '--db', db])).stdout;
      expect(await listed(ws.db)).toBe(await listed(other.db));
    } finally {
      other.remove();
    }
  });
});
