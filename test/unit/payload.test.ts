import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildClaim } from '../../src/domain/claim.js';
import type { FieldValues } from '../../src/domain/fields.js';
import { matchHeaders } from '../../src/domain/headers.js';
import { defaultRuleSet, validateRow } from '../../src/domain/rules.js';
import type { ClaimLine } from '../../src/domain/types.js';
import { paymentEvent } from '../../src/domain/payment-event.js';

// The payments service deduplicates on event ids and parses these bytes: a refactoring of how a
// line's fields are defined must leave both exactly as they were.
const rules = defaultRuleSet();

function canonicalLines(): ClaimLine[] {
  const [headers = [], ...records] = parse(readFileSync(new URL('../../fixtures/claim_1234.csv', import.meta.url)), { bom: true }) as string[][];
  const { columns } = matchHeaders(headers);
  return records.map((record) => {
    const values: FieldValues = {};
    for (const [field, index] of Object.entries(columns)) values[field as keyof FieldValues] = record[index];
    const { line, issues } = validateRow(values, rules, '2025-06-30');
    expect(issues).toEqual([]);
    return line!;
  });
}

describe('the payment event (golden)', () => {
  it('of the canonical claim (fixtures/claim_1234.csv) has the same id, subject and payload bytes', () => {
    const event = paymentEvent(buildClaim(canonicalLines()));
    expect(event.event_id).toBe("evt_dc6c95195c38401e87ba1b44");
    expect(event.subject).toBe("claims.payment.1497775530");
    expect(event.payload).toBe(
      "{\"event_id\":\"evt_dc6c95195c38401e87ba1b44\",\"type\":\"claim.payment_requested\",\"version\":1,\"claim_id\":\"clm_dc6c95195c38401e87ba1b44\",\"claim_number\":null,\"provider_npi\":\"1497775530\",\"service_date\":\"2018-03-28\",\"plan_group_number\":\"GRP-1000\",\"subscriber_number\":\"3730189502\",\"net_fee_cents\":11685,\"net_fee\":\"116.85\",\"lines\":[{\"line_index\":1,\"line_number\":null,\"service_date\":\"2018-03-28\",\"submitted_procedure\":\"D0180\",\"quadrant\":null,\"provider_fees_cents\":10000,\"allowed_fees_cents\":10000,\"member_coinsurance_cents\":0,\"member_copay_cents\":0,\"net_fee_cents\":0},{\"line_index\":2,\"line_number\":null,\"service_date\":\"2018-03-28\",\"submitted_procedure\":\"D0210\",\"quadrant\":null,\"provider_fees_cents\":10800,\"allowed_fees_cents\":10800,\"member_coinsurance_cents\":0,\"member_copay_cents\":0,\"net_fee_cents\":0},{\"line_index\":3,\"line_number\":null,\"service_date\":\"2018-03-28\",\"submitted_procedure\":\"D4346\",\"quadrant\":null,\"provider_fees_cents\":13000,\"allowed_fees_cents\":6500,\"member_coinsurance_cents\":1625,\"member_copay_cents\":0,\"net_fee_cents\":8125},{\"line_index\":4,\"line_number\":null,\"service_date\":\"2018-03-28\",\"submitted_procedure\":\"D4211\",\"quadrant\":\"UR\",\"provider_fees_cents\":17800,\"allowed_fees_cents\":17800,\"member_coinsurance_cents\":3560,\"member_copay_cents\":0,\"net_fee_cents\":3560}]}",
    );
  });

  it('of a claim with every optional field set has the same id, subject and payload bytes', () => {
    const first: ClaimLine = {
      service_date: '2018-03-28',
      submitted_procedure: 'D0180',
      quadrant: 'UR',
      plan_group_number: 'GRP-1000',
      subscriber_number: '3730189502',
      provider_npi: '1497775530',
      provider_fees_cents: 10000,
      allowed_fees_cents: 9000,
      member_coinsurance_cents: 100,
      member_copay_cents: 50,
      net_fee_cents: 8850,
      claim_number: 'C1',
      line_number: '1',
    };
    const second: ClaimLine = {
      ...first,
      service_date: '2018-03-27',
      submitted_procedure: 'D0210',
      quadrant: null,
      provider_fees_cents: 500,
      allowed_fees_cents: 500,
      member_coinsurance_cents: 0,
      member_copay_cents: 0,
      net_fee_cents: 500,
      line_number: '2',
    };
    const event = paymentEvent(buildClaim([first, second]));
    expect(event.event_id).toBe("evt_edf796a735e68577e6d2a930");
    expect(event.subject).toBe("claims.payment.1497775530");
    expect(event.payload).toBe(
      "{\"event_id\":\"evt_edf796a735e68577e6d2a930\",\"type\":\"claim.payment_requested\",\"version\":1,\"claim_id\":\"clm_edf796a735e68577e6d2a930\",\"claim_number\":\"C1\",\"provider_npi\":\"1497775530\",\"service_date\":\"2018-03-27\",\"plan_group_number\":\"GRP-1000\",\"subscriber_number\":\"3730189502\",\"net_fee_cents\":9350,\"net_fee\":\"93.50\",\"lines\":[{\"line_index\":1,\"line_number\":\"1\",\"service_date\":\"2018-03-28\",\"submitted_procedure\":\"D0180\",\"quadrant\":\"UR\",\"provider_fees_cents\":10000,\"allowed_fees_cents\":9000,\"member_coinsurance_cents\":100,\"member_copay_cents\":50,\"net_fee_cents\":8850},{\"line_index\":2,\"line_number\":\"2\",\"service_date\":\"2018-03-27\",\"submitted_procedure\":\"D0210\",\"quadrant\":null,\"provider_fees_cents\":500,\"allowed_fees_cents\":500,\"member_coinsurance_cents\":0,\"member_copay_cents\":0,\"net_fee_cents\":500}]}",
    );
  });
});
