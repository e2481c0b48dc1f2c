import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
});
afterEach(() => ws.remove());

const json = async (args: string[]) => {
  const result = await runMain([...args, '--db', ws.db, '--format', 'json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
};

const COUNTS = [
  'rows_read',
  'rows_rejected',
  'claims_stored',
  'claims_duplicate',
  'claims_rejected',
  'lines_stored',
  'net_fee_cents',
  'net_fee',
  'events_published',
  'events_pending',
  'events_failed',
];

/** Three runs: one with a rejected row (run 1), one refused (run 2), one of duplicates (run 3). */
async function threeRuns() {
  const good = ws.file('good.csv', csv([cells({ subscriber: 'A' }), cells({ subscriber: 'B', provider: '$150.25' }), cells({ subscriber: 'C', npi: 'bad' })]));
  const records = [];
  records.push((await runMain(['ingest', good, '--db', ws.db, '--format', 'json'])).stdout);
  records.push((await runMain(['ingest', ws.file('empty.csv', ''), '--db', ws.db, '--format', 'json'])).stdout);
  records.push((await runMain(['ingest', good, '--db', ws.db, '--format', 'json'])).stdout);
  return records.map((stdout) => JSON.parse(stdout)[0]);
}

describe('claims runs', () => {
  it('lists every run newest first with the same count names and values as the ingest record', async () => {
    const ingested = await threeRuns();
    const runs = await json(['runs']);
    expect(runs.map((r: { run_id: number }) => r.run_id)).toEqual([3, 2, 1]);
    expect(Object.keys(runs[0])).toEqual([
      'run_id',
      'source',
      'input_format',
      'status',
      'started_at',
      'finished_at',
      ...COUNTS,
      'error',
    ]);
    for (const record of ingested) {
      const run = runs.find((r: { run_id: number }) => r.run_id === record.run_id);
      for (const key of ['run_id', 'source', 'input_format', 'status', ...COUNTS, 'error']) {
        expect({ key, value: run[key] }).toEqual({ key, value: record[key] });
      }
    }
    expect(runs[2]).toMatchObject({
      status: 'completed',
      rows_read: 3,
      rows_rejected: 1,
      claims_stored: 2,
      net_fee_cents: 5025,
      net_fee: '50.25',
      events_pending: 2,
    });
    expect(runs[1]).toMatchObject({ status: 'refused', claims_stored: 0, error: expect.stringContaining('empty.csv') });
    expect(runs[0]).toMatchObject({ status: 'completed', claims_duplicate: 2, claims_stored: 0, events_pending: 0 });
    expect(runs[2].finished_at >= runs[2].started_at).toBe(true);
  });

  it('filters by --status and bounds with --limit', async () => {
    await threeRuns();
    expect((await json(['runs', '--status', 'refused'])).map((r: { run_id: number }) => r.run_id)).toEqual([2]);
    expect((await json(['runs', '--status', 'completed', '--limit', '1'])).map((r: { run_id: number }) => r.run_id)).toEqual([3]);
    expect(await json(['runs', '--status', 'interrupted'])).toEqual([]);
  });

  it('gives the run id that report rejections --run takes', async () => {
    await threeRuns();
    // The oldest: a rerun of the same input records its rejected rows only once, under the first run.
    const withRejections = (await json(['runs'])).filter((r: { rows_rejected: number }) => r.rows_rejected > 0).at(-1);
    const rejected = await json(['report', 'rejections', '--run', String(withRejections.run_id)]);
    expect(rejected).toHaveLength(withRejections.rows_rejected);
  });
});

describe('one name for one thing', () => {
  it('report summary says rows_rejected like ingest and runs, and always has dlq_depth', async () => {
    await threeRuns();
    const summary = await json(['report', 'summary']);
    expect(summary).toEqual({
      claims: 2,
      lines: 2,
      providers: 1,
      net_fee_cents: 5025,
      net_fee: '50.25',
      rows_rejected: 1,
      runs: 3,
      events_published: 0,
      events_pending: 2,
      events_failed: 0,
      dlq_depth: null,
    });
  });

  it('ingest, runs and summary share every key they have in common with the same meaning', async () => {
    const [record] = await threeRuns();
    const [run] = (await json(['runs'])).slice(-1);
    const summary = await json(['report', 'summary']);
    const shared = Object.keys(record).filter((key) => key in run);
    expect(shared).toEqual(expect.arrayContaining(COUNTS));
    for (const key of ['rows_rejected', 'net_fee_cents', 'events_pending']) {
      expect(summary[key]).toBe(run[key]);
    }
  });

  it('human lines group money like counts', async () => {
    const big = ws.file('big.csv', csv([cells({ provider: '$900,000.00', coinsurance: '$334,567.89', allowed: '$0.00' })]));
    const result = await runMain(['ingest', big, '--db', ws.db]);
    expect(result.stderr).toContain('net fee 1,234,567.89');
  });
});

describe('report rejections --limit', () => {
  it('prints at most n rejected rows, in run and row order', async () => {
    const rows = [1, 2, 3, 4].map((n) => cells({ subscriber: `S${n}`, npi: 'bad' }));
    await runMain(['ingest', ws.file('bad.csv', csv(rows)), '--db', ws.db]);
    expect(await json(['report', 'rejections'])).toHaveLength(4);
    const limited = await json(['report', 'rejections', '--limit', '2']);
    expect(limited.map((r: { source_row: number }) => r.source_row)).toEqual([2, 3]);
  });
});
