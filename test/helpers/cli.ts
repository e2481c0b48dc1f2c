import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';

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
  return new Promise((resolvePromise, reject) => {
    const env: Record<string, string | undefined> = { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env };
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** A temporary folder for one test's database and inputs; remove() when done. */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'claims-test-'));
  readonly db = join(this.dir, 'claims.db');

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
  }
}

/** Claims written so far to a database file, staged or not, read straight from the file (0 before it has tables). */
export function claimsWritten(path: string): number {
  let db: Database.Database | null = null;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return (db.prepare('select count(*) as n from claims').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db?.close();
  }
}
