import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AdjacentGrouper, sameClaim } from '../../src/domain/grouping.js';
import { defaultRuleSet } from '../../src/domain/rules.js';
import { settleClaim, warningFindings } from '../../src/ingest/group.js';
import { RowNormaliser, type InputRow } from '../../src/ingest/normalise.js';
import { readRecords } from '../../src/ingest/read.js';
import { rejectionRecord } from '../../src/ingest/rejects.js';
import { validateInput, type ValidatedRow } from '../../src/ingest/validate.js';
import { emptyBatch, isBatchFull, ROWS_PER_BATCH, writeBatch } from '../../src/ingest/write.js';
import { cells, HEADER } from '../helpers/inputs.js';
import { FakeSink } from './ingest-fake-sink.js';

const TODAY = '2025-06-30';
const rules = defaultRuleSet();

/** The normalise stage over CSV cells: the header first, then one InputRow per line. */
function normalised(lines: string[][], header = HEADER): { rows: InputRow[]; normaliser: RowNormaliser } {
  const normaliser = new RowNormaliser('claims.csv');
  expect(normaliser.normalise({ kind: 'cells', row: 1, cells: header })).toBeNull();
  const rows = lines.map((line, index) => normaliser.normalise({ kind: 'cells', row: index + 2, cells: line })!);
  return { rows, normaliser };
}

function validated(lines: string[][], header = HEADER): ValidatedRow[] {
  return normalised(lines, header).rows.map((row) => validateInput(row, { rules, today: TODAY }));
}

/** The group stage's grouping of validated rows: adjacent rows of one claim together. */
function grouped(lines: string[][], header = HEADER): ValidatedRow[][] {
  const { rows, normaliser } = normalised(lines, header);
  const grouper = new AdjacentGrouper<ValidatedRow>((first, row) => sameClaim(first.key, row.key, normaliser.hasClaimNumber));
  const groups = rows.map((row) => grouper.push(validateInput(row, { rules, today: TODAY }))).filter((group) => group !== null);
  return [...groups, grouper.flush()!];
}

describe('validate stage', () => {
  it('turns a valid row into a claim line in integer cents, with no findings', () => {
    const [row] = validated([cells({ provider: '$130.00', allowed: '$65.00', coinsurance: '$16.25' })]);
    expect(row!.errors).toEqual([]);
    expect(row!.line).toMatchObject({ service_date: '2018-03-28', allowed_fees_cents: 6500, net_fee_cents: 8125 });
  });

  it('keeps the errors of a bad row and gives it no line', () => {
    const [row] = validated([cells({ npi: '123' })]);
    expect(row!.line).toBeNull();
    expect(row!.errors.map((i) => i.field)).toContain('provider_npi');
  });

  it('rejects a row with the wrong number of fields, whatever its values', () => {
    const [row] = validated([cells().slice(0, 9)]);
    expect(row!.line).toBeNull();
    expect(row!.errors[0]).toMatchObject({ rule: 'column_count' });
  });

  it('groups rows by claim number when the input has that column, else by the four claim fields', () => {
    const header = [...HEADER, 'claim number'];
    expect(grouped([[...cells(), 'C1'], [...cells({ subscriber: '99' }), 'C1']], header).map((g) => g.length)).toEqual([2]);
    expect(grouped([cells(), cells({ subscriber: '99' })]).map((g) => g.length)).toEqual([1, 1]);
    expect(grouped([cells(), cells()]).map((g) => g.length)).toEqual([2]);
  });
});

describe('group stage', () => {
  it('settles a claim of valid lines into one claim to store, with each line\'s input row', () => {
    const settled = settleClaim(validated([cells(), cells({ procedure: 'D0210' })]));
    expect(settled.kind).toBe('stored');
    if (settled.kind !== 'stored') return;
    expect(settled.claim.rows).toEqual([2, 3]);
    expect(settled.claim.claim.lines.map((l) => l.submitted_procedure)).toEqual(['D0180', 'D0210']);
  });

  it('rejects every row of a claim with one bad row, naming that row on the others', () => {
    const settled = settleClaim(validated([cells(), cells({ provider: 'lots' })]));
    expect(settled.kind).toBe('rejected');
    if (settled.kind !== 'rejected') return;
    expect(settled.rows.map((r) => r.input.row)).toEqual([2, 3]);
    expect(settled.rows[0]!.errors).toEqual([expect.objectContaining({ rule: 'claim_rejected', message: expect.stringContaining('row 3') })]);
    expect(settled.rows[1]!.errors[0]!.field).toBe('provider_fees');
  });

  it('rejects every row of a claim whose lines disagree (claim_consistent)', () => {
    const header = [...HEADER, 'claim number'];
    const settled = settleClaim(validated([[...cells(), 'C1'], [...cells({ subscriber: '99' }), 'C1']], header));
    expect(settled.kind).toBe('rejected');
    if (settled.kind !== 'rejected') return;
    expect(settled.rows.flatMap((r) => r.errors.map((i) => i.rule))).toEqual(['claim_consistent', 'claim_consistent']);
  });

  it('gives each row its warnings', () => {
    const rows = validated([cells()]);
    expect(warningFindings(rows)).toEqual([{ row: 2, issues: rows[0]!.warnings }]);
  });
});

describe('write stage', () => {
  const claimOf = (lines: string[][]) => {
    const settled = settleClaim(validated(lines));
    if (settled.kind !== 'stored') throw new Error('not stored');
    return settled.claim;
  };

  it('writes a batch to the sink in one call and reports duplicates', async () => {
    const sink = new FakeSink();
    const runId = await sink.startRun('a.csv');
    const batch = emptyBatch();
    batch.claims.push(claimOf([cells()]), claimOf([cells()]));
    batch.rows = 2;
    const result = await writeBatch({ sink, runId }, batch);
    expect(result).toMatchObject({ claimsStored: 1, linesStored: 1, duplicates: 1 });
    expect(sink.batches).toEqual([2]);
  });

  it('writes nothing on a dry run, and counts claims already stored as duplicates', async () => {
    const sink = new FakeSink();
    const stored = claimOf([cells()]);
    await sink.writeBatch(await sink.startRun('a.csv'), [stored], []);
    const batch = emptyBatch();
    batch.claims.push(stored, claimOf([cells({ subscriber: '99' })]));
    const result = await writeBatch({ lookup: sink }, batch);
    expect(result).toEqual({ claimsStored: 1, linesStored: 1, netFeeCents: stored.claim.net_fee_cents, duplicates: 1 });
    expect(sink.batches).toEqual([1]);
    expect((await writeBatch({ lookup: null }, batch)).claimsStored).toBe(2);
  });

  it('calls a batch full at ROWS_PER_BATCH rows', () => {
    expect(isBatchFull({ ...emptyBatch(), rows: ROWS_PER_BATCH - 1 })).toBe(false);
    expect(isBatchFull({ ...emptyBatch(), rows: ROWS_PER_BATCH })).toBe(true);
  });
});

describe('read and normalise stages', () => {
  it('reads CSV from stdin in batches of records, and normalises the header away', async () => {
    const batches = [];
    for await (const batch of readRecords('-', 'csv', Readable.from([`${HEADER.join(',')}\n${cells().join(',')}\n`]))) batches.push(batch);
    const records = batches.flat();
    expect(records.map((r) => r.row)).toEqual([1, 2]);
    const normaliser = new RowNormaliser('-');
    const rows = records.map((r) => normaliser.normalise(r));
    expect(rows[0]).toBeNull();
    expect(rows[1]).toMatchObject({ row: 2, fields: { provider_npi: '1497775530', submitted_procedure: 'D0180' }, structuralIssue: null });
    expect(normaliser.columns).toEqual(HEADER);
  });
});

describe('rejects sink', () => {
  it('records a rejected row with a fingerprint that finds the same bad row again, and only then', async () => {
    const [row] = normalised([cells({ npi: '1' })]).rows;
    const issues = [{ rule: 'npi_format', field: 'provider_npi' as const, value: '1', message: 'bad', severity: 'error' as const }];
    const record = rejectionRecord('a.csv', row!, issues);
    expect(record).toMatchObject({ source: 'a.csv', row: 2, errors: [{ rule: 'npi_format', field: 'provider_npi', value: '1', message: 'bad' }] });
    expect(rejectionRecord('a.csv', row!, issues).fingerprint).toBe(record.fingerprint);
    expect(rejectionRecord('b.csv', row!, issues).fingerprint).not.toBe(record.fingerprint);
  });
});
