import { describe, expect, it } from 'vitest';
import { claimNetFeeCents, lineNetFeeCents } from '../../src/domain/netfee.js';

const fees = (provider: number, allowed: number, coinsurance: number, copay: number) => ({
  provider_fees_cents: provider,
  allowed_fees_cents: allowed,
  member_coinsurance_cents: coinsurance,
  member_copay_cents: copay,
});

describe('lineNetFeeCents', () => {
  it('is provider + coinsurance + copay - allowed', () => {
    expect(lineNetFeeCents(fees(13000, 6500, 1625, 0))).toBe(8125);
    expect(lineNetFeeCents(fees(17800, 17800, 3560, 0))).toBe(3560);
    expect(lineNetFeeCents(fees(1000, 200, 30, 4))).toBe(834);
  });

  it('may be negative', () => {
    expect(lineNetFeeCents(fees(1000, 2000, 0, 0))).toBe(-1000);
  });
});

describe('claimNetFeeCents', () => {
  it('sums the lines', () => {
    expect(claimNetFeeCents([{ net_fee_cents: 0 }, { net_fee_cents: 8125 }, { net_fee_cents: 3560 }])).toBe(11685);
    expect(claimNetFeeCents([{ net_fee_cents: -5 }, { net_fee_cents: 2 }])).toBe(-3);
  });

  it('is zero for no lines', () => {
    expect(claimNetFeeCents([])).toBe(0);
  });
});
