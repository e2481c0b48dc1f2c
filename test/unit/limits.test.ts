import { describe, expect, it } from 'vitest';
import { buildClaim, claimIssues } from '../../src/domain/claim.js';
import { controlCharacter, jsonDepthExceeds, looksLikeFormula, MAX_CLAIM_NET_FEE_CENTS, MAX_FEE_CENTS } from '../../src/domain/limits.js';
import { formatCents, parseMoney } from '../../src/domain/money.js';
import type { ClaimLine } from '../../src/domain/types.js';

const line = (net: number): ClaimLine => ({
  service_date: '2018-03-28',
  submitted_procedure: 'D0180',
  quadrant: null,
  plan_group_number: 'GRP-1000',
  subscriber_number: '3730189502',
  provider_npi: '1497775530',
  provider_fees_cents: net,
  allowed_fees_cents: 0,
  member_coinsurance_cents: 0,
  member_copay_cents: 0,
  net_fee_cents: net,
  claim_number: null,
  line_number: null,
});

describe('money limits', () => {
  it('keep the largest claim and a line of four maximal fees far inside exact integers', () => {
    expect(Number.isSafeInteger(4 * MAX_FEE_CENTS)).toBe(true);
    expect(MAX_CLAIM_NET_FEE_CENTS * 9_000_000).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('claim money_range: at the limit is fine, one cent more rejects the claim', () => {
    const atLimit = [line(MAX_FEE_CENTS), ...Array.from({ length: 9 }, () => line(MAX_FEE_CENTS))];
    expect(claimIssues(atLimit)).toEqual([]);
    expect(buildClaim(atLimit).net_fee_cents).toBe(MAX_CLAIM_NET_FEE_CENTS);
    expect(claimIssues([...atLimit, line(1)])).toEqual([
      expect.objectContaining({ rule: 'money_range', message: 'claim net fee 10000000.01 is beyond ±10000000.00' }),
    ]);
    expect(claimIssues([line(-MAX_CLAIM_NET_FEE_CENTS - 1)])[0]?.rule).toBe('money_range');
  });

  it('formatCents is exact for bigint sums beyond 2^53', () => {
    expect(formatCents(27021597764227973n)).toBe('270215977642279.73');
    expect(formatCents(-5n)).toBe('-0.05');
    expect(formatCents(-5)).toBe('-0.05');
    expect(() => formatCents(2 ** 60)).toThrow(RangeError);
  });

  it('parseMoney refuses a million-digit amount without building a huge number', () => {
    expect(parseMoney('9'.repeat(1_000_000))).toEqual({ ok: false, message: 'too large' });
    expect(parseMoney('000000000000000000012.34')).toEqual({ ok: true, value: 1234 });
  });
});

describe('text checks', () => {
  it('finds control characters but not tab, CR or LF', () => {
    expect(controlCharacter('a\u0000b')).toBe('U+0000');
    expect(controlCharacter('\u001b[31m')).toBe('U+001B');
    expect(controlCharacter('a\u007f')).toBe('U+007F');
    expect(controlCharacter('a\tb\r\nc')).toBeNull();
  });

  it('tells formula-looking text from numbers', () => {
    for (const text of ['=1', '+1', '@a', '\t1', '\r1', '-a', '-']) expect(looksLikeFormula(text)).toBe(true);
    for (const text of ['-1', '-0.05', 'a=1', '', 'GRP-1']) expect(looksLikeFormula(text)).toBe(false);
  });

  it('measures JSON nesting outside strings', () => {
    expect(jsonDepthExceeds('['.repeat(65))).toBe(true);
    expect(jsonDepthExceeds('['.repeat(64))).toBe(false);
    expect(jsonDepthExceeds(`{"a":"${'['.repeat(100)}"}`)).toBe(false);
    expect(jsonDepthExceeds(`{"a":"\\"${'{'.repeat(100)}"}`)).toBe(false);
  });
});
