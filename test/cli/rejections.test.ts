import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { cells, csv, SMALL_BATCHES, type Line } from '../helpers/inputs.js';

let ws: InProcessWorkspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

interface Rejection {
  run_id: number;
  source: string;
  source_row: number;
  errors: { rule: string; field: string | null; value: string; message: string }[];
  values: Record<string, string>;
}

async function rejections(args: string[] = []): Promise<Rejection[]> {
  return JSON.parse((await ws.run(['report', 'rejections', '--format', 'json', ...args])).stdout);
}

async function totals() {
  return JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
}

/** Each bad value alone on a claim of its own, with the rule and field that must name it. */
const BAD_VALUES: [string, Line, string, string][] = [
  ['negative fee', { provider: '-$5.00' }, 'money_not_negative', 'provider_fees'],
  ['three decimals', { allowed: '$1.005' }, 'money_format', 'allowed_fees'],
  ['non-numeric money', { coinsurance: 'abc' }, 'money_format', 'member_coinsurance'],
  ['empty money', { copay: '' }, 'required', 'member_copay'],
  ['impossible date', { date: '2/30/18' }, 'date_format', 'service_date'],
  ['future date', { date: '1/1/2999' }, 'date_not_future', 'service_date'],
  ['procedure not starting with D', { procedure: 'X0180' }, 'procedure_starts_with_d', 'submitted_procedure'],
  ['unknown quadrant', { quadrant: 'ZZ' }, 'quadrant_code', 'quadrant'],
  ['NPI of 9 digits', { npi: '149777553' }, 'npi_format', 'provider_npi'],
  ['blank plan group', { plan: '   ' }, 'required', 'plan_group_number'],
  ['blank subscriber', { subscriber: '' }, 'required', 'subscriber_number'],
];

describe('bad rows', () => {
  it.each(BAD_VALUES)('%s is rejected, naming the row, the field and the rule', async (_name, line, rule, field) => {
    const rows = [cells({ subscriber: 'GOOD' }), cells({ subscriber: 'BAD', ...line })];
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows))]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(new RegExp(`in\\.csv row 3: .*${field}.*\\[${rule}\\]`));
    const [rejection] = await rejections();
    expect(rejection).toMatchObject({ source_row: 3, run_id: 1 });
    expect(rejection!.errors).toContainEqual(expect.objectContaining({ rule, field }));
    expect(await totals()).toMatchObject({ claims: 1, rows_rejected: 1 });
  });

  it('stores the seed examples exactly: $0.29 is 29 cents, $1,234.50 is 123450', async () => {
    const rows = [cells({ coinsurance: '$0.29', provider: '$1,234.50 ', allowed: '$0' })];
    expect((await ws.run(['ingest', ws.file('in.csv', csv(rows))])).code).toBe(0);
    const [line] = JSON.parse((await ws.run(['list', '--lines', '--format', 'json'])).stdout);
    expect(line).toMatchObject({ member_coinsurance_cents: 29, provider_fees_cents: 123450, net_fee_cents: 123479, net_fee: '1234.79' });
  });

  it('warns on an NPI check digit by default without rejecting the row', async () => {
    const result = await ws.run(['ingest', ws.file('in.csv', csv([cells({ npi: '1234567890' })]))]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/in\.csv row 2: provider_npi "1234567890": .*\[npi_check_digit\]/);
    expect(await totals()).toMatchObject({ claims: 1, rows_rejected: 0 });
  });

  it('rejects the whole claim when one of its rows is bad: no partial claim is stored', async () => {
    const rows = [cells({ procedure: 'D0180' }), cells({ procedure: 'D0210', provider: '-$1.00' }), cells({ procedure: 'D4346' })];
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows)), '--format', 'json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ rows_rejected: 3, claims_rejected: 1, claims_stored: 0 });
    const recorded = await rejections();
    expect(recorded.map((r) => r.source_row)).toEqual([2, 3, 4]);
    expect(recorded[0]!.errors[0]).toMatchObject({ rule: 'claim_rejected', message: expect.stringContaining('row 3') });
    expect(await totals()).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });
  });

  it('records each rejected row with its run, row number, raw values and every error', async () => {
    const rows = [cells({ procedure: 'X1', npi: '12', date: '13/1/18' })];
    await ws.run(['ingest', ws.file('in.csv', csv(rows))]);
    const [rejection] = await rejections();
    expect(rejection!.values).toMatchObject({ 'submitted procedure': 'X1', 'Provider NPI': '12', 'service date': '13/1/18' });
    expect(rejection!.errors.map((e) => e.rule).sort()).toEqual(['date_format', 'npi_format', 'procedure_starts_with_d']);
    expect(rejection!.errors.find((e) => e.rule === 'npi_format')).toMatchObject({ field: 'provider_npi', value: '12' });
  });

  it('report rejections --run shows only that run', async () => {
    await ws.run(['ingest', ws.file('a.csv', csv([cells({ subscriber: 'A', npi: '1' })]))]);
    await ws.run(['ingest', ws.file('b.csv', csv([cells({ subscriber: 'B', npi: '2' })]))]);
    expect((await rejections(['--run', '2'])).map((r) => r.source)).toEqual([ws.path('b.csv')]);
    expect(await rejections()).toHaveLength(2);
  });
});

describe('--rejects', () => {
  it('writes the original columns plus _row and _errors, and the fixed file ingests cleanly', async () => {
    const rows = [cells({ subscriber: 'A' }), cells({ subscriber: 'B', provider: '-$5.00' }), cells({ subscriber: 'C', date: '2/30/18' })];
    const input = csv(rows);
    const rejectsPath = ws.path('rejects.csv');
    expect((await ws.run(['ingest', ws.file('in.csv', input), '--rejects', rejectsPath])).code).toBe(3);
    const written: string[][] = parse(readFileSync(rejectsPath));
    expect(written[0]).toEqual([...input.split('\n')[0]!.split(','), '_row', '_errors']);
    expect(written.slice(1).map((r) => r[10])).toEqual(['3', '4']);
    expect(written[1]![11]).toContain('provider_fees "-$5.00": negative fee [money_not_negative]');

    const fixed = written.map((r) => r.slice(0, 10));
    fixed[1]![6] = '$5.00';
    fixed[2]![0] = '2/28/18';
    const again = await ws.run(['ingest', ws.file('fixed.csv', csv(fixed.slice(1), fixed[0]))]);
    expect(again.code).toBe(0);
    expect(await totals()).toMatchObject({ claims: 3 });
  });
});

describe('--max-errors', () => {
  const rows = [cells({ subscriber: 'A' }), cells({ subscriber: 'B', npi: 'x' }), cells({ subscriber: 'C', npi: 'y' })];

  it('refuses the input when more rows are rejected, and keeps nothing of it', async () => {
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows)), '--max-errors', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('in.csv: more than 1 rows rejected');
    expect(await totals()).toMatchObject({ claims: 0, lines: 0, rows_rejected: 0, events_pending: 0 });
  });

  it('refuses even when the good claims were already committed in earlier batches', async () => {
    const big = [...Array.from({ length: 3_000 }, (_, i) => cells({ subscriber: `S${i}` })), cells({ subscriber: 'Z', npi: 'bad' }), cells({ subscriber: 'Y', npi: 'bad' })];
    const result = await ws.run(['ingest', ws.file('big.csv', csv(big)), '--max-errors', '1', ...SMALL_BATCHES]);
    expect(result.code).toBe(1);
    expect(await totals()).toMatchObject({ claims: 0, lines: 0, events_pending: 0 });
  });

  it('accepts the input at exactly the limit', async () => {
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows)), '--max-errors', '2']);
    expect(result.code).toBe(3);
    expect(await totals()).toMatchObject({ claims: 1, rows_rejected: 2 });
  });
});

describe('--dry-run', () => {
  it('validates and reports without writing anything, not even the database file', async () => {
    const rows = [cells({ subscriber: 'A' }), cells({ subscriber: 'B', npi: 'x' })];
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows)), '--dry-run', '--format', 'json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ status: 'dry_run', run_id: null, claims_stored: 1, rows_rejected: 1 });
    const { existsSync } = await import('node:fs');
    expect(existsSync(ws.db)).toBe(false);
  });

  it('reports claims already stored as duplicates and leaves the database as it was', async () => {
    const file = ws.file('in.csv', csv([cells()]));
    await ws.run(['ingest', file]);
    const before = await totals();
    const result = await ws.run(['ingest', file, ws.file('new.csv', csv([cells({ subscriber: 'N' })])), '--dry-run', '--format', 'json']);
    expect(JSON.parse(result.stdout).map((r: { claims_duplicate: number; claims_stored: number }) => [r.claims_duplicate, r.claims_stored])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(await totals()).toEqual(before);
  });
});
