import { describe, expect, it } from 'vitest';
import { HEADER } from '../helpers/inputs.js';
import { FIELDS, REQUIRED_FIELDS, type Field } from '../../src/domain/fields.js';
import { fieldForHeader, matchHeaders, normaliseHeader } from '../../src/domain/headers.js';

// Every header example of the contract's Columns table.
const CONTRACT_EXAMPLES: Record<Field, string[]> = {
  service_date: ['service date', 'Service Date', 'ServiceDate', 'date of service'],
  submitted_procedure: ['submitted procedure', 'Submitted Procedure', 'SubmittedProcedure'],
  quadrant: ['quadrant', 'Quadrant'],
  plan_group_number: ['Plan/Group #', 'plan group number', 'PlanGroupNumber'],
  subscriber_number: ['Subscriber#', 'subscriber #', 'SubscriberNumber'],
  provider_npi: ['Provider NPI', 'provider npi', 'ProviderNPI', 'npi'],
  provider_fees: ['provider fees', 'ProviderFees'],
  allowed_fees: ['Allowed fees', 'AllowedFees'],
  member_coinsurance: ['member coinsurance', 'MemberCoinsurance'],
  member_copay: ['member copay', 'MemberCopay'],
  claim_number: ['claim number', 'ClaimNumber'],
  line_number: ['line number', 'LineNumber'],
};

const EXTRAS: [string, Field][] = [
  ['DOS', 'service_date'],
  ['Date of Service', 'service_date'],
  ['Procedure', 'submitted_procedure'],
  ['Procedure Code', 'submitted_procedure'],
  ['CDT code', 'submitted_procedure'],
  ['Plan Group', 'plan_group_number'],
  ['Plan Group No.', 'plan_group_number'],
  ['Group Number', 'plan_group_number'],
  ['Subscriber', 'subscriber_number'],
  ['Subscriber No', 'subscriber_number'],
  ['Subscriber ID', 'subscriber_number'],
  ['Member ID', 'subscriber_number'],
  ['Provider Fee', 'provider_fees'],
  ['Allowed Fee', 'allowed_fees'],
  ['Claim No', 'claim_number'],
  ['Claim', 'claim_number'],
  ['Line No', 'line_number'],
  ['Line', 'line_number'],
  ['Provider\n NPI', 'provider_npi'],
  ['\uFEFFservice date', 'service_date'],
];

describe('normaliseHeader', () => {
  it.each([
    ['Provider\n NPI', 'providernpi'],
    ['Plan/Group #', 'plangroup'],
    ['\uFEFFService Date', 'servicedate'],
    ['service_date', 'servicedate'],
    [' Subscriber#\r', 'subscriber'],
    ['Line-No.', 'lineno'],
  ])('normalises %j to %s', (header, expected) => {
    expect(normaliseHeader(header)).toBe(expected);
  });
});

describe('fieldForHeader', () => {
  for (const field of FIELDS) {
    it.each(CONTRACT_EXAMPLES[field])(`matches contract example %j to ${field}`, (header) => {
      expect(fieldForHeader(header)).toBe(field);
    });
  }

  it.each(FIELDS.map((field) => [field]))('matches %s in snake, camel, Pascal and upper case', (field) => {
    const camel = field.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const pascal = camel.charAt(0).toUpperCase() + camel.slice(1);
    for (const header of [field, camel, pascal, field.toUpperCase()]) {
      expect(fieldForHeader(header), header).toBe(field);
    }
  });

  it.each(EXTRAS)('matches extra %j to %s', (header, field) => {
    expect(fieldForHeader(header)).toBe(field);
  });

  it.each(['coinsurance', 'copay', 'fees', 'date', 'number', 'provider', 'notes', 'patient name', ''])(
    'leaves ambiguous or unrelated %j unmatched',
    (header) => {
      expect(fieldForHeader(header)).toBeUndefined();
    },
  );
});

describe('matchHeaders', () => {

  it('maps the fixture headers to their columns with nothing missing', () => {
    expect(matchHeaders(HEADER)).toEqual({
      columns: {
        service_date: 0,
        submitted_procedure: 1,
        quadrant: 2,
        plan_group_number: 3,
        subscriber_number: 4,
        provider_npi: 5,
        provider_fees: 6,
        allowed_fees: 7,
        member_coinsurance: 8,
        member_copay: 9,
      },
      missing: [],
      duplicated: [],
    });
  });

  it('ignores unknown columns', () => {
    const match = matchHeaders(['notes', ...HEADER, 'patient']);
    expect(match.columns.service_date).toBe(1);
    expect(match.missing).toEqual([]);
  });

  it('lists missing required fields in field order, but not optional ones', () => {
    const match = matchHeaders(['Provider NPI', 'quadrant', 'service date']);
    expect(match.missing).toEqual(REQUIRED_FIELDS.filter((f) => f !== 'provider_npi' && f !== 'service_date'));
    expect(match.missing).not.toContain('quadrant');
    expect(match.missing).not.toContain('claim_number');
    expect(matchHeaders([]).missing).toEqual([...REQUIRED_FIELDS]);
  });

  it('keeps the first of duplicated columns and reports each duplicated field once', () => {
    const match = matchHeaders([...HEADER, 'NPI', 'ProviderNPI', 'DOS']);
    expect(match.columns.provider_npi).toBe(5);
    expect(match.columns.service_date).toBe(0);
    expect(match.duplicated).toEqual(['provider_npi', 'service_date']);
  });
});
