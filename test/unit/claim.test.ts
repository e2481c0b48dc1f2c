import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildClaim, claimIssues } from '../../src/domain/claim.js';
import type { FieldValues } from '../../src/domain/fields.js';
import { AdjacentGrouper, sameClaim } from '../../src/domain/grouping.js';
import { matchHeaders } from '../../src/domain/headers.js';
import { defaultRuleSet, validateRow, type RowValidation } from '../../src/domain/rules.js';
import type { ClaimLine } from '../../src/domain/types.js';

const TODAY = '2025-06-30';
const rules = defaultRuleSet();

function fixtureRows(): RowValidation[] {
  const [headers = [], ...records] = parse(readFileSync(new URL('../../fixtures/claim_1234.csv', import.meta.url)), { bom: true }) as string[][];
  const { columns, missing } = matchHeaders(headers);
  expect(missing).toEqual([]);
  return records.map((record) => {
    const values: FieldValues = {};
    for (const [field, index] of Object.entries(columns)) values[field as keyof FieldValues] = record[index];
    return validateRow(values, rules, TODAY);
  });
}

const line = (overrides: Partial<ClaimLine> = {}): ClaimLine => ({
  service_date: '2018-03-28',
  submitted_procedure: 'D0180',
  quadrant: null,
  plan_group_number: 'GRP-1000',
  subscriber_number: '3730189502',
  provider_npi: '1497775530',
  provider_fees_cents: 10000,
  allowed_fees_cents: 10000,
  member_coinsurance_cents: 0,
  member_copay_cents: 0,
  net_fee_cents: 0,
  claim_number: 'C1',
  line_number: '1',
  ...overrides,
});

describe('the claim_1234.csv fixture', () => {
  it('validates every row and forms one claim of four lines with net fee 11685', () => {
    const rows = fixtureRows();
    expect(rows.flatMap((r) => r.issues)).toEqual([]);

    const grouper = new AdjacentGrouper<RowValidation>((first, row) => sameClaim(first.key, row.key, false));
    const groups = rows.map((row) => grouper.push(row)).filter((group) => group !== null);
    const last = grouper.flush();
    expect(groups).toEqual([]);
    expect(last).toHaveLength(4);

    const lines = (last ?? []).map((row) => row.line).filter((l) => l !== null);
    expect(claimIssues(lines)).toEqual([]);
    const claim = buildClaim(lines);
    expect(claim).toMatchObject({
      claim_number: null,
      service_date: '2018-03-28',
      plan_group_number: 'GRP-1000',
      subscriber_number: '3730189502',
      provider_npi: '1497775530',
      net_fee_cents: 11685,
    });
    expect(claim.lines.map((l) => [l.submitted_procedure, l.quadrant, l.net_fee_cents])).toEqual([
      ['D0180', null, 0],
      ['D0210', null, 0],
      ['D4346', null, 8125],
      ['D4211', 'UR', 3560],
    ]);
  });
});

describe('claimIssues', () => {
  it('finds nothing in consistent lines or no lines', () => {
    expect(claimIssues([line(), line({ submitted_procedure: 'D0210', line_number: '2', service_date: '2018-03-29' })])).toEqual([]);
    expect(claimIssues([])).toEqual([]);
  });

  it('reports one claim_consistent error per differing field', () => {
    const issues = claimIssues([
      line(),
      line({ provider_npi: '1234567893' }),
      line({ provider_npi: '1245319599', subscriber_number: '99' }),
    ]);
    expect(issues).toEqual([
      { rule: 'claim_consistent', field: 'provider_npi', value: '1234567893', message: expect.stringContaining('1497775530'), severity: 'error' },
      { rule: 'claim_consistent', field: 'subscriber_number', value: '99', message: expect.stringContaining('3730189502'), severity: 'error' },
    ]);
  });

  it('checks the plan group number', () => {
    expect(claimIssues([line(), line({ plan_group_number: 'GRP-2' })]).map((i) => i.field)).toEqual(['plan_group_number']);
  });
});

describe('buildClaim', () => {
  it('takes the earliest service date, header fields from the first line and sums net fees', () => {
    const claim = buildClaim([
      line({ service_date: '2018-03-29', net_fee_cents: 100 }),
      line({ service_date: '2018-03-27', net_fee_cents: -30, claim_number: 'other' }),
      line({ service_date: '2018-03-28', net_fee_cents: 5 }),
    ]);
    expect(claim.service_date).toBe('2018-03-27');
    expect(claim.claim_number).toBe('C1');
    expect(claim.net_fee_cents).toBe(75);
    expect(claim.lines).toHaveLength(3);
  });

  it('derives claim_id from a sha256 fingerprint', () => {
    const claim = buildClaim([line()]);
    expect(claim.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(claim.claim_id).toBe(`clm_${claim.fingerprint.slice(0, 24)}`);
  });

  it('gives the same id to the same lines in the same order', () => {
    const lines = () => [line(), line({ submitted_procedure: 'D0210', line_number: '2' })];
    expect(buildClaim(lines()).claim_id).toBe(buildClaim(lines()).claim_id);
  });

  it('gives a different id when the line order changes', () => {
    const a = line();
    const b = line({ submitted_procedure: 'D0210', line_number: '2' });
    expect(buildClaim([a, b]).claim_id).not.toBe(buildClaim([b, a]).claim_id);
  });

  it('gives a different id when any value of any line changes', () => {
    const base = [line(), line({ line_number: '2' })];
    const baseId = buildClaim(base).claim_id;
    const changes: { [K in keyof ClaimLine]-?: ClaimLine[K] } = {
      service_date: '2018-03-30',
      submitted_procedure: 'D0999',
      quadrant: 'UR',
      plan_group_number: 'GRP-2',
      subscriber_number: '1',
      provider_npi: '1234567893',
      provider_fees_cents: 10001,
      allowed_fees_cents: 9999,
      member_coinsurance_cents: 1,
      member_copay_cents: 1,
      net_fee_cents: 1,
      claim_number: null,
      line_number: null,
    };
    // Every ClaimLine field must be part of the fingerprint.
    expect(Object.keys(changes).sort()).toEqual(Object.keys(line()).sort());
    for (const [field, value] of Object.entries(changes)) {
      const changed = [base[0]!, { ...base[1]!, [field]: value }];
      expect(buildClaim(changed).claim_id, field).not.toBe(baseId);
    }
  });

  it('distinguishes null from the string "null"', () => {
    expect(buildClaim([line({ quadrant: null })]).claim_id).not.toBe(buildClaim([line({ quadrant: 'null' })]).claim_id);
  });

  it('gives a different id when a line is added', () => {
    expect(buildClaim([line()]).claim_id).not.toBe(buildClaim([line(), line()]).claim_id);
  });

  it('refuses an empty claim', () => {
    expect(() => buildClaim([])).toThrow();
  });
});
