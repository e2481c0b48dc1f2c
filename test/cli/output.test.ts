import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { cells, csv } from '../helpers/inputs.js';

// Three providers over three dates; B and C tie on net fee so ties break by NPI.
const A = '1497775530';
const B = '1234567893';
const C = '1245319599';
let ws: InProcessWorkspace;

beforeAll(async () => {
  ws = new InProcessWorkspace();
  const rows = [
    cells({ npi: A, date: '2018-01-10', procedure: 'D0180', provider: '$100.00', allowed: '$50.00' }),
    cells({ npi: A, date: '2018-01-10', procedure: 'D4211', quadrant: 'ur', provider: '$10.00', allowed: '$0.00' }),
    cells({ npi: C, date: '2018-02-10', procedure: 'D0210', provider: '$30.00', allowed: '$10.00' }),
    cells({ npi: B, date: '2018-03-10', procedure: 'D0180', provider: '$25.00', allowed: '$5.00' }),
    cells({ npi: A, date: '2018-03-10', procedure: 'D0210', provider: '$1.00', allowed: '$2.00' }),
  ];
  const result = await ws.run(['ingest', ws.file('in.csv', csv(rows))]);
  expect(result.code).toBe(0);
});
afterAll(() => ws.remove());

async function json(args: string[]) {
  const result = await ws.run([...args, '--format', 'json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('claims list', () => {
  it('lists one row per claim in stored order, money as cents and as a decimal string', async () => {
    const rows = await json(['list']);
    expect(rows.map((r: { provider_npi: string }) => r.provider_npi)).toEqual([A, C, B, A]);
    expect(rows[0]).toMatchObject({ service_date: '2018-01-10', lines: 2, net_fee_cents: 6000, net_fee: '60.00', event_status: 'pending' });
    expect(rows[3]).toMatchObject({ net_fee_cents: -100, net_fee: '-1.00' });
    expect(Object.keys(rows[0]).every((k) => /^[a-z_]+$/.test(k))).toBe(true);
  });

  it('lists one row per line with --lines', async () => {
    const lines = await json(['list', '--lines']);
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatchObject({ line_index: 2, submitted_procedure: 'D4211', quadrant: 'UR', provider_fees_cents: 1000, provider_fees: '10.00' });
  });

  it('filters by provider, procedure, dates and claim', async () => {
    expect(await json(['list', '--provider', A])).toHaveLength(2);
    expect((await json(['list', '--procedure', 'd0210'])).map((r: { provider_npi: string }) => r.provider_npi)).toEqual([C, A]);
    expect((await json(['list', '--lines', '--procedure', 'D0180'])).map((r: { submitted_procedure: string }) => r.submitted_procedure)).toEqual(['D0180', 'D0180']);
    expect((await json(['list', '--from', '2018-02-01', '--to', '2018-02-28'])).map((r: { provider_npi: string }) => r.provider_npi)).toEqual([C]);
    const [first] = await json(['list']);
    expect(await json(['list', '--claim', first.claim_id])).toEqual([first]);
  });

  it('pages with --limit and --offset', async () => {
    const all = await json(['list']);
    expect(await json(['list', '--limit', '2', '--offset', '1'])).toEqual(all.slice(1, 3));
  });
});

describe('claims report', () => {
  it('top-providers ranks by net fee descending, ties by provider NPI', async () => {
    const ranks = await json(['report', 'top-providers']);
    expect(ranks).toEqual([
      { rank: 1, provider_npi: A, net_fee_cents: 5900, net_fee: '59.00', claims: 2, lines: 3 },
      { rank: 2, provider_npi: B, net_fee_cents: 2000, net_fee: '20.00', claims: 1, lines: 1 },
      { rank: 3, provider_npi: C, net_fee_cents: 2000, net_fee: '20.00', claims: 1, lines: 1 },
    ]);
  });

  it('top-providers honours --limit, --from and --to', async () => {
    expect(await json(['report', 'top-providers', '--limit', '1'])).toHaveLength(1);
    const march = await json(['report', 'top-providers', '--from', '2018-03-01', '--to', '2018-03-31']);
    expect(march.map((r: { provider_npi: string; net_fee_cents: number }) => [r.provider_npi, r.net_fee_cents])).toEqual([
      [B, 2000],
      [A, -100],
    ]);
  });

  it('summary counts claims, lines, providers, net fee, rejections, runs and events', async () => {
    expect(await json(['report', 'summary'])).toEqual({
      claims: 4,
      lines: 5,
      providers: 3,
      net_fee_cents: 9900,
      net_fee: '99.00',
      rows_rejected: 0,
      runs: 1,
      events_published: 0,
      events_pending: 4,
      events_failed: 0,
      dlq_depth: null,
    });
  });
});

describe('--format', () => {
  it('defaults to CSV with a header row when stdout is not a terminal', async () => {
    const result = await ws.run(['report', 'top-providers']);
    const rows = parse(result.stdout);
    expect(rows[0]).toEqual(['rank', 'provider_npi', 'net_fee_cents', 'net_fee', 'claims', 'lines']);
    expect(rows[1]).toEqual(['1', A, '5900', '59.00', '2', '3']);
  });

  it('writes NDJSON one object per line', async () => {
    const result = await ws.run(['list', '--format', 'ndjson']);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1]!)).toMatchObject({ provider_npi: C });
  });

  it('writes an aligned table for people, money shown once as a decimal', async () => {
    const result = await ws.run(['report', 'top-providers', '--format', 'table']);
    const [header, rule, first] = result.stdout.split('\n');
    expect(header).toMatch(/^rank\s+provider_npi\s+net_fee\s+claims\s+lines$/);
    expect(header).not.toContain('net_fee_cents');
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(first).toMatch(new RegExp(`^\\s*1\\s+${A}\\s+59\\.00\\s+2\\s+3$`));
  });

  it('writes the ingest run summary in the requested format on stdout, human notes on stderr', async () => {
    const other = new InProcessWorkspace();
    try {
      const file = other.file('in.csv', csv([cells()]));
      const asCsv = await other.run(['ingest', file, '--format', 'csv']);
      expect(parse(asCsv.stdout, { columns: true })[0]).toMatchObject({ status: 'completed', claims_stored: '1', net_fee: '0.00' });
      expect(asCsv.stderr).toContain('stored 1 claim');
      const quiet = await other.run(['ingest', file, '--format', 'ndjson', '-q', '--log-level', 'silent']);
      expect(JSON.parse(quiet.stdout)).toMatchObject({ claims_duplicate: 1 });
      expect(quiet.stderr).toBe('');
    } finally {
      other.remove();
    }
  });

  it('rejects an unknown format as a usage error', async () => {
    const result = await ws.run(['list', '--format', 'xml']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("argument 'xml' is invalid");
  });
});
