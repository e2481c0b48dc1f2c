import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, Workspace } from '../helpers/cli.js';
import { cells, csv, manyClaims } from '../helpers/inputs.js';
import { failureLines, runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const run = (args: string[], db = ws.db) => runMain([...args, '--db', db, '--log-level', 'warn']);

/**
 * A known failure reads as one line naming the file and what to do: no stack, no "unexpected"
 * (off a terminal that line is a JSON log entry at error level).
 */
function expectOneLine(stderr: string, ...parts: string[]): void {
  const failures = failureLines(stderr);
  expect(failures, stderr).toHaveLength(1);
  for (const part of parts) expect(failures[0]).toContain(part);
  expect(stderr).not.toContain('unexpected error');
  expect(stderr).not.toMatch(/^\s+at /m);
}

function sql<T>(path: string, query: string): T[] {
  const db = new Database(path);
  try {
    return db.prepare(query).all() as T[];
  } finally {
    db.close();
  }
}

/** Mounting needs root in a mount namespace that allows it; the tests that need it say so when skipped. */
const canMount = (() => {
  const probe = mkdtempSync(join(tmpdir(), 'claims-mount-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (mounted) spawnSync('umount', [probe]);
  rmSync(probe, { recursive: true });
  return mounted;
})();

describe('environment failures', () => {
  it('a full --rejects disk is one line naming the file; nothing of the input is kept', async () => {
    const input = ws.file('bad.csv', csv([cells(), cells({ subscriber: 'OTHER', provider: 'ten dollars' })]));
    const result = await run(['ingest', input, '--rejects', '/dev/full']);
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, 'cannot write rejects file /dev/full: no space left on device', 'free some space');
    expect(JSON.parse((await run(['report', 'summary', '--format', 'json'])).stdout)).toMatchObject({ claims: 0, rows_rejected: 0 });
  });

  it('a --rejects file in a missing folder is one line, exit 1', async () => {
    const input = ws.file('in.csv', csv([cells()]));
    const result = await run(['ingest', input, '--rejects', ws.path('no/such/folder/r.csv')]);
    expect(result.code).toBe(1);
    expectOneLine(result.stderr, `cannot write rejects file ${ws.path('no/such/folder/r.csv')}: no such directory`);
  });

  it('a dropped table is one line naming the database and what to do', async () => {
    const input = ws.file('in.csv', csv(manyClaims(10)));
    expect((await run(['ingest', input, '-q'])).code).toBe(0);
    const db = new Database(ws.db);
    db.pragma('foreign_keys = OFF');
    db.exec('drop table claim_lines');
    db.close();

    const list = await run(['list', '--lines']);
    expect(list.code).toBe(1);
    expectOneLine(list.stderr, `${ws.db}: table claim_lines is missing`, 'restore it from a backup or use a new --db file');
    const ingest = await run(['ingest', input, '-q']);
    expect(ingest.code).toBe(1);
    expectOneLine(ingest.stderr, `${ws.db}: table claim_lines is missing`);
  });

  it('a database migrated by a newer claims is refused before anything is written', async () => {
    const input = ws.file('in.csv', csv(manyClaims(10)));
    expect((await run(['ingest', input, '-q'])).code).toBe(0);
    const applied = sql<{ n: number }>(ws.db, 'select count(*) as n from __drizzle_migrations')[0]!.n;
    const db = new Database(ws.db);
    db.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('from-the-future', 4_102_444_800_000);
    db.close();
    const before = sql(ws.db, 'select * from runs');

    for (const args of [['ingest', input], ['ingest', input, '--dry-run'], ['list'], ['report', 'summary']]) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(1);
      expectOneLine(result.stderr, `${ws.db} was written by a newer claims; upgrade claims`);
    }
    expect(sql(ws.db, 'select * from runs')).toEqual(before);
    expect(sql(ws.db, 'select count(*) as n from __drizzle_migrations')).toEqual([{ n: applied + 1 }]);
  });

  it.skipIf(!canMount)('a full disk is one line naming the database; the rejects file is not left truncated', async () => {
    const dir = ws.path('small-disk');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir]);
    try {
      const rows = manyClaims(10_000);
      rows[5] = cells({ subscriber: 'S00000001', procedure: 'D1001', provider: 'ten dollars' });
      const input = ws.file('in.csv', csv(rows));
      const rejects = ws.file('rejects.csv', 'rejects of an earlier run\n');
      const db = join(dir, 'claims.db');

      const result = await run(['ingest', input, '--rejects', rejects], db);
      expect(result.code).toBe(1);
      expectOneLine(result.stderr, `${db}: the disk is full`, 'free some space, then run the same command again');
      expect(readFileSync(rejects, 'utf8')).toBe('rejects of an earlier run\n');
      expect(readdirSync(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', dir]); // lazy: a failing run must not leave the mount behind
    }
  });

  it.skipIf(!canMount)('a disk too full for a new database\'s tables is one line naming the database', async () => {
    const dir = ws.path('tiny-disk');
    mkdirSync(dir);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    try {
      const db = join(dir, 'claims.db');
      const result = await run(['ingest', ws.file('in.csv', csv(manyClaims(10)))], db);
      expect(result.code).toBe(1);
      expectOneLine(result.stderr, `${db}: the disk is full`, 'free some space, then run the same command again');
    } finally {
      execFileSync('umount', ['-l', dir]); // lazy: a failing run must not leave the mount behind
    }
  });

  it.skipIf(!canMount)('a read-only database folder is one line naming the database and what to do', async () => {
    const dir = ws.path('ro');
    mkdirSync(dir);
    const db = join(dir, 'claims.db');
    const input = ws.file('in.csv', csv(manyClaims(10)));
    expect((await run(['ingest', input, '-q'], db)).code).toBe(0);
    // Root writes through file modes: only a read-only mount stops it.
    execFileSync('mount', ['--bind', dir, dir]);
    try {
      execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
      const result = await run(['ingest', input], db);
      expect(result.code).toBe(1);
      expectOneLine(result.stderr, `${db}: cannot write the database`, 'make the file and its directory writable, or use another --db');
    } finally {
      execFileSync('umount', ['-l', dir]); // lazy: a failing run must not leave the mount behind
    }
  });
});

describe('file modes', () => {
  it('the database, its -wal and -shm files and the rejects file are readable by their owner only, under umask 022', async () => {
    const input = ws.file('in.csv', csv([cells(), cells({ subscriber: 'OTHER', provider: 'ten dollars' })]));
    const rejects = ws.path('rejects.csv');
    // stdin stays open, so the -wal and -shm files exist while we look at them.
    const child = spawn('sh', ['-c', 'umask 022; exec "$0" "$@"', process.execPath, BIN, 'ingest', input, '-', '--db', ws.db, '--rejects', rejects, '-q'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 20_000;
    while (!(existsSync(`${ws.db}-wal`) && existsSync(`${ws.db}-shm`)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
    expect([ws.db, `${ws.db}-wal`, `${ws.db}-shm`].map(mode)).toEqual(['600', '600', '600']);
    child.stdin.end(csv([cells({ subscriber: 'THIRD' })]));
    expect(await exited).toBe(3);
    expect(mode(rejects)).toBe('600');
    expect(readFileSync(rejects, 'utf8')).toContain('ten dollars');
  });
});
