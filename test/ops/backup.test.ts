import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claims, FIXTURE, Workspace } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';

// The recipes of README "Backups", as an operator would type them (sh, sqlite3 CLI).
const RECIPES: Record<string, string> = {
  '.backup': `umask 077; sqlite3 "$DB" ".backup '$BACKUP'"`,
  'VACUUM INTO': `umask 077; sqlite3 "$DB" "VACUUM INTO '$BACKUP'"`,
};

let ws: Workspace;
let live: Database.Database;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => {
  if (live?.inTransaction) live.exec('COMMIT');
  live?.close();
  ws.remove();
});

/** Two ingests, the second still in the -wal file while another process reads; then the recipe. */
async function backUpWhileLive(recipe: string): Promise<{ mode: number; summary: { code: number; stdout: string } }> {
  expect((await ws.run(['ingest', FIXTURE, '-q'])).code).toBe(0);
  // Another process is reading (a long report, say): its open read transaction keeps the next
  // ingest's commits in the -wal file, as no checkpoint may copy them past a reader's snapshot.
  live = new Database(ws.db);
  live.exec('BEGIN');
  live.prepare('SELECT count(*) FROM claims').get();
  const second = ws.file('second.csv', csv([cells({ subscriber: '9990001111', procedure: 'D1110' })]));
  expect((await ws.run(['ingest', second, '-q'])).code).toBe(0);
  expect(statSync(`${ws.db}-wal`).size).toBeGreaterThan(0);

  const backup = ws.path('backup.db');
  execFileSync('sh', ['-c', recipe], { env: { ...process.env, DB: ws.db, BACKUP: backup }, stdio: 'pipe' });
  const mode = statSync(backup).mode & 0o777;
  return { mode, summary: await claims(['report', 'summary', '--format', 'json', '--db', backup]) };
}

describe('backing up a live WAL database', () => {
  for (const [name, recipe] of Object.entries(RECIPES)) {
    it(`${name} copies every committed claim, including those still in the -wal file, readable only by its owner`, async () => {
      const { mode, summary } = await backUpWhileLive(recipe);
      expect(mode).toBe(0o600);
      expect(summary.code).toBe(0);
      expect(JSON.parse(summary.stdout)).toMatchObject({ claims: 2, lines: 5, runs: 2 });
    });
  }

  it('a plain cp of the .db file is not a backup: it misses what is still in the -wal file', async () => {
    const { summary } = await backUpWhileLive(`cp "$DB" "$BACKUP"`);
    expect(JSON.parse(summary.stdout)).toMatchObject({ claims: 1 });
  });
});
