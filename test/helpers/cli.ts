import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Sql } from 'postgres';

export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/claims');
export const FIXTURE = join(ROOT, 'fixtures/claim_1234.csv');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  stdin?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Runs the built `bin/claims` as a user would, with a clean environment (no CI, no NATS). */
export function claims(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const { child, done } = start(args, { ...options, stdin: 'pipe' });
  child.stdin!.end(options.stdin ?? '');
  return done;
}

/** A spawned `claims` a test steers: it may feed its stdin and signal it, then awaits what it printed. */
export interface Started {
  child: ChildProcess;
  done: Promise<CliResult>;
}

/**
 * Starts `claims args` (behind `prefix`, e.g. `unshare …`, when given) with the clean environment of
 * claims() and stdout and stderr captured; stdin is a pipe the test writes and ends itself when
 * `stdin: 'pipe'`.
 */
export function start(
  args: string[],
  options: { stdin?: 'pipe' | 'ignore'; prefix?: string[]; env?: Record<string, string | undefined>; cwd?: string } = {},
): Started {
  const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
  const [command, ...rest] = [...(options.prefix ?? []), process.execPath, BIN, ...args];
  const child = spawn(command!, rest, {
    cwd: options.cwd ?? ROOT,
    env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  // A test that stops the process part way may leave a write to its stdin unread: that is expected.
  child.stdin?.on('error', () => {});
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
  return { child, done };
}

/**
 * The backend the CLI tests run on: SQLite unless CLAIMS_TEST_BACKEND=postgres (vitest.config.ts runs
 * test/cli a second time so). On PostgreSQL each workspace has its own database on the local server
 * (PG_TEST_URL, else postgres://postgres@127.0.0.1:5432), made by the first ingest, dropped by remove().
 */
export const BACKEND: 'sqlite' | 'postgres' = process.env.CLAIMS_TEST_BACKEND === 'postgres' ? 'postgres' : 'sqlite';
export const PG_SERVER = process.env.PG_TEST_URL ?? 'postgres://postgres@127.0.0.1:5432';

/** A fresh, not yet existing PostgreSQL database's URL. */
export function freshPgUrl(): string {
  return `${PG_SERVER}/claims_test_${randomBytes(6).toString('hex')}`;
}

/** Drops still under way: a test file's last hook waits for them (test/helpers/setup.ts). */
const pendingDrops = new Set<Promise<void>>();
let adminClient: Promise<Sql> | null = null;

/** One connection to the server's `postgres` database per test file, for dropping test databases. */
function admin(): Promise<Sql> {
  adminClient ??= import('postgres').then(({ default: postgres }) => postgres(`${PG_SERVER}/postgres`, { max: 1, onnotice: () => {} }));
  return adminClient;
}

/**
 * Drops a test database made from freshPgUrl (if it was made), closing whatever connections are
 * left. The next test need not wait for it: settlePgDrops() does, once per file.
 */
export function dropPgDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  const drop = admin().then(async (sql) => {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  });
  pendingDrops.add(drop);
  // A failed drop stays pending: settlePgDrops() reports it.
  drop.then(() => pendingDrops.delete(drop), () => {});
}

/** Waits for every drop started by this test file, then closes the admin connection. */
export async function settlePgDrops(): Promise<void> {
  await Promise.all(pendingDrops);
  if (adminClient) await (await adminClient).end();
  adminClient = null;
}

/** A temporary folder for one test's database and inputs; remove() when done. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'claims-test-'));
  readonly db = BACKEND === 'postgres' ? freshPgUrl() : join(this.dir, 'claims.db');

  /** Whether the database exists yet (only ingest creates one), whichever the backend. */
  dbExists(): boolean {
    if (BACKEND === 'sqlite') return existsSync(this.db);
    const name = new URL(this.db).pathname.slice(1);
    const found = execFileSync('psql', [new URL('/postgres', this.db).toString(), '-tAc', `select 1 from pg_database where datname = '${name}'`], { encoding: 'utf8' });
    return found.trim() === '1';
  }

  file(name: string, content: string | Buffer): string {
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Runs claims against this workspace's database. */
  run(args: string[], options: RunOptions = {}): Promise<CliResult> {
    return claims([...args, '--db', this.db], options);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    if (BACKEND === 'postgres') dropPgDatabase(this.db);
  }
}

/**
 * Runs one SQL statement (with `?` parameters) straight on a database, a file or a postgres:// URL,
 * while claims may be writing it: for tests that watch what a process has committed so far, or
 * forge what a killed one leaves behind. Returns the rows of a select, else none.
 */
export function queryRows(target: string, query: string, ...params: unknown[]): Record<string, unknown>[] {
  if (target.startsWith('postgres://')) {
    let next = 0;
    const literal = (value: unknown) => (value === null || value === undefined ? 'null' : typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`);
    const text = query.replace(/\?/g, () => literal(params[next++]));
    const select = /^\s*select\b/i.test(text);
    const out = execFileSync('psql', [target, '-v', 'ON_ERROR_STOP=1', '-tAc', select ? `select coalesce(json_agg(t), '[]') from (${text}) t` : text], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return select ? (JSON.parse(out) as Record<string, unknown>[]) : [];
  }
  const db = new Database(target, { fileMustExist: true });
  try {
    const statement = db.prepare(query);
    if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
    statement.run(...params);
    return [];
  } finally {
    db.close();
  }
}

/**
 * Polls `select count(*) as n …` on a database a process is writing until `enough(n)`, and returns n
 * then: over one connection on PostgreSQL (not a psql per look), 0 while there is no table yet.
 */
export async function waitForCount(target: string, query: string, enough: (n: number) => boolean, what: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const pg = target.startsWith('postgres://') ? (await import('postgres')).default(target, { max: 1, onnotice: () => {} }) : null;
  const count = async () => {
    try {
      return Number((pg ? (await pg.unsafe(query))[0] : queryRows(target, query)[0])!.n);
    } catch {
      return 0; // no database or no tables yet
    }
  };
  try {
    for (;;) {
      const n = await count();
      if (enough(n)) return n;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await pg?.end({ timeout: 0 });
  }
}

/** Waits until a run has committed its first batch of claims (staged or not); returns how many there are then. */
export function firstBatchCommitted(target: string): Promise<number> {
  return waitForCount(target, 'select count(*) as n from claims', (n) => n > 0, 'a committed batch');
}

/** Claims written so far to a database, staged or not (0 before it has tables). */
export function claimsWritten(target: string): number {
  try {
    return Number(queryRows(target, 'select count(*) as n from claims')[0]!.n);
  } catch {
    return 0;
  }
}

/**
 * Whether another connection can take SQLite's write lock within `waitMs` (at once by default: no
 * transaction is holding it).
 */
export function writable(path: string, waitMs = 0): boolean {
  const db = new Database(path, { timeout: waitMs });
  try {
    db.exec('begin immediate');
    db.exec('rollback');
    return true;
  } catch {
    return false;
  } finally {
    db.close();
  }
}
