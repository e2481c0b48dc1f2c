import { spawn } from 'node:child_process';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKEND, BIN, ROOT, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims } from '../helpers/inputs.js';
import { NatsServer } from '../helpers/nats.js';

interface PipedResult {
  code: number;
  /** What the reader took before it went away. */
  firstLine: string;
  stderr: string;
}

/**
 * Runs the built `claims` with stdout into a reader that closes its end after the first line, as
 * `claims … | head -1` does (`closeAt: 'start'`: before anything was written, as `| true` does).
 */
function piped(args: string[], closeAt: 'first-line' | 'start' = 'first-line'): Promise<PipedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    const close = () => child.stdout.destroy();
    if (closeAt === 'start') close();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) close();
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, firstLine: out.split('\n')[0]!, stderr }));
  });
}

/** Node's crash on a closed pipe: `Error: write EPIPE` and its stack. */
function expectNoCrash(stderr: string): void {
  expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
}

let ws: Workspace;
beforeAll(async () => {
  ws = new Workspace();
  // Enough rows that every output is far larger than a pipe's buffer: writes go on after the reader left.
  // Many providers, so top-providers has many rows too (NPI index 5; a bad check digit is only a warning).
  const claims = manyClaims(3_000, 2).map((row, i) => row.map((cell, column) => (column === 5 ? `14977755${String(i % 90).padStart(2, '0')}` : cell)));
  const rejected = Array.from({ length: 1_500 }, (_, i) => cells({ subscriber: `R${i}`, npi: 'not-an-npi' }));
  const ingest = await ws.run(['ingest', ws.file('claims.csv', csv([...claims, ...rejected])), '--log-level', 'silent']);
  expect(ingest.code).toBe(3);
}, 60_000);
afterAll(() => ws.remove());

const EVERY_READER: [string, string[]][] = [
  ['list', ['list']],
  ['list --lines', ['list', '--lines']],
  ['list --format csv', ['list', '--format', 'csv']],
  ['list --format json', ['list', '--format', 'json']],
  ['list --format ndjson', ['list', '--format', 'ndjson']],
  ['list --format table', ['list', '--format', 'table']],
  ['report top-providers', ['report', 'top-providers', '--limit', '100']],
  ['report summary', ['report', 'summary']],
  ['report rejections', ['report', 'rejections']],
  ['report rejections --format ndjson', ['report', 'rejections', '--format', 'ndjson']],
  ['replay --dry-run', ['replay', '--dry-run']],
  ['replay --dry-run --format json', ['replay', '--dry-run', '--format', 'json']],
];

/**
 * Every writer on SQLite. On PostgreSQL the writers are the same code; what differs is the connection a
 * stopping process must close: a query streaming rows (list) and the outbox (replay) show it there.
 */
const POSTGRES_READERS = ['list --lines', 'replay --dry-run --format json'];
const READERS = BACKEND === 'sqlite' ? EVERY_READER : EVERY_READER.filter(([name]) => POSTGRES_READERS.includes(name));

describe('a reader that goes away (claims … | head -1)', () => {
  it.each(READERS)('%s stops writing and exits 0, with no stack trace', async (_, args) => {
    const result = await piped([...args, '--db', ws.db]);
    expect(result.firstLine.length).toBeGreaterThan(0);
    expectNoCrash(result.stderr);
    expect(result.code).toBe(0);
  });

  it.each(READERS)('%s exits 0 when stdout is closed before it writes anything', async (_, args) => {
    const result = await piped([...args, '--db', ws.db], 'start');
    expectNoCrash(result.stderr);
    expect(result.code).toBe(0);
  });

  it('ingest still stores every claim and exits with its own code', async () => {
    const other = new Workspace();
    try {
      const file = other.file('in.csv', csv([...manyClaims(500, 1), cells({ npi: 'bad' })]));
      const result = await piped(['ingest', file, '--db', other.db, '--format', 'ndjson'], 'start');
      expectNoCrash(result.stderr);
      expect(result.code).toBe(3);
      expect(JSON.parse((await other.run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({ claims: 500 });
    } finally {
      other.remove();
    }
  });
});

// Publishing is the same code on either backend (replay --dry-run above reads PostgreSQL's outbox).
describe.skipIf(BACKEND === 'postgres')('claims replay into a reader that goes away', () => {
  let server: NatsServer;
  let pending: Workspace;
  beforeEach(async () => {
    server = await NatsServer.start();
    pending = new Workspace();
  });
  afterEach(async () => {
    pending.remove();
    await server.remove();
  });

  it.each([
    ['--events, closed after one line', ['--events', '--format', 'csv'], 'first-line'],
    ['its summary record, closed before it', [], 'start'],
  ] as const)('delivers every event to NATS (%s)', async (_, flags, closeAt) => {
    const events = 2_500;
    expect((await pending.run(['ingest', pending.file('in.csv', csv(manyClaims(events, 1))), '-q'])).code).toBe(0);
    const result = await piped(['replay', '--nats', server.url, '--db', pending.db, ...flags], closeAt);
    expectNoCrash(result.stderr);
    expect(result.code).toBe(0);
    expect((await server.streamInfo('CLAIMS'))!.state.messages).toBe(events);
    expect(JSON.parse((await pending.run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({
      events_pending: 0,
      events_published: events,
    });
  }, 60_000);
});
