import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claims, FIXTURE, Workspace } from '../helpers/cli.js';
import { InProcessWorkspace } from '../helpers/main.js';

const TOP_PROVIDERS =
  '[{"rank":1,"provider_npi":"1497775530","net_fee_cents":11685,"net_fee":"116.85","claims":1,"lines":4}]';

describe('the canonical claim_1234.csv', () => {
  let ws: Workspace;
  afterEach(() => ws.remove());

  it('is one claim of four lines, net fee 116.85, as top-providers JSON', async () => {
    ws = new InProcessWorkspace();
    const ingest = await ws.run(['ingest', FIXTURE]);
    expect(ingest.code).toBe(0);
    const report = await ws.run(['report', 'top-providers', '--format', 'json']);
    expect(report.code).toBe(0);
    expect(report.stdout).toBe(`${TOP_PROVIDERS}\n`);
  });

  // Spawned: the default --db is relative to the process's working directory.
  it('creates ./claims.db in the working directory when no --db is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claims-cwd-'));
    try {
      expect((await claims(['ingest', FIXTURE], { cwd: dir })).code).toBe(0);
      expect(existsSync(join(dir, 'claims.db'))).toBe(true);
      const report = await claims(['report', 'top-providers', '--format', 'json'], { cwd: dir });
      expect(report.stdout).toBe(`${TOP_PROVIDERS}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ingested twice changes nothing the second time: a duplicate, counted, no new event', async () => {
    ws = new InProcessWorkspace();
    await ws.run(['ingest', FIXTURE]);
    const before = await ws.run(['list', '--format', 'json']);
    const again = await ws.run(['ingest', FIXTURE, '--format', 'json']);
    expect(again.code).toBe(0);
    const [summary] = JSON.parse(again.stdout);
    expect(summary).toMatchObject({ claims_stored: 0, claims_duplicate: 1, lines_stored: 0 });
    expect((await ws.run(['list', '--format', 'json'])).stdout).toBe(before.stdout);
    const totals = JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
    expect(totals).toMatchObject({ claims: 1, lines: 4, net_fee_cents: 11685, events_pending: 1, runs: 2 });
  });

  it('gives the claim the same stable id in every database', async () => {
    ws = new InProcessWorkspace();
    const other = new InProcessWorkspace();
    try {
      await ws.run(['ingest', FIXTURE]);
      await other.run(['ingest', FIXTURE]);
      const [a] = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout);
      const [b] = JSON.parse((await other.run(['list', '--format', 'json'])).stdout);
      expect(a.claim_id).toMatch(/^clm_[0-9a-f]{24}$/);
      expect(a.claim_id).toBe(b.claim_id);
    } finally {
      other.remove();
    }
  });
});
