import { describe, expect, it } from 'vitest';
import { AdjacentGrouper, sameClaim, type ClaimKeyFields } from '../../src/domain/grouping.js';

const key = (overrides: Partial<ClaimKeyFields> = {}): ClaimKeyFields => ({
  claim_number: 'C1',
  service_date: '2018-03-28',
  subscriber_number: '3730189502',
  plan_group_number: 'GRP-1000',
  provider_npi: '1497775530',
  ...overrides,
});

describe('sameClaim', () => {
  it('uses only the claim number when grouping by claim number', () => {
    expect(sameClaim(key(), key({ provider_npi: '1234567893', service_date: '2018-01-01' }), true)).toBe(true);
    expect(sameClaim(key(), key({ claim_number: 'C2' }), true)).toBe(false);
  });

  it('falls back to the four fields for rows whose claim number is blank', () => {
    const blank = key({ claim_number: '' });
    expect(sameClaim(blank, key({ claim_number: '' }), true)).toBe(true);
    expect(sameClaim(blank, key({ claim_number: '', provider_npi: '1234567893' }), true)).toBe(false);
    expect(sameClaim(blank, blank, false)).toBe(true);
  });

  it('never puts a row with a claim number with one without', () => {
    expect(sameClaim(key(), key({ claim_number: '' }), true)).toBe(false);
    expect(sameClaim(key({ claim_number: '' }), key(), true)).toBe(false);
  });

  it('otherwise uses service date, subscriber, plan group and NPI', () => {
    expect(sameClaim(key(), key({ claim_number: 'other' }), false)).toBe(true);
    for (const field of ['service_date', 'subscriber_number', 'plan_group_number', 'provider_npi'] as const) {
      expect(sameClaim(key(), key({ [field]: 'changed' }), false), field).toBe(false);
    }
  });

  it('cannot be fooled by separators inside values', () => {
    const a = key({ subscriber_number: 'a|b', plan_group_number: 'c' });
    const b = key({ subscriber_number: 'a', plan_group_number: 'b|c' });
    expect(sameClaim(a, b, false)).toBe(false);
  });
});

describe('AdjacentGrouper', () => {
  const groupAll = (items: string[]) => {
    const grouper = new AdjacentGrouper<string>((first, item) => first.charAt(0) === item.charAt(0));
    const groups: string[][] = [];
    for (const item of items) {
      const finished = grouper.push(item);
      if (finished) groups.push(finished);
    }
    const last = grouper.flush();
    if (last) groups.push(last);
    return groups;
  };

  it('groups adjacent items with the same key', () => {
    expect(groupAll(['a1', 'a2', 'b1', 'a3', 'a4', 'c1'])).toEqual([['a1', 'a2'], ['b1'], ['a3', 'a4'], ['c1']]);
  });

  it('returns the previous group only when a new one starts', () => {
    const grouper = new AdjacentGrouper<string>((first, item) => first.charAt(0) === item.charAt(0));
    expect(grouper.push('a1')).toBeNull();
    expect(grouper.push('a2')).toBeNull();
    expect(grouper.push('b1')).toEqual(['a1', 'a2']);
    expect(grouper.flush()).toEqual(['b1']);
    expect(grouper.flush()).toBeNull();
  });

  it('treats empty items as items like any other', () => {
    expect(groupAll(['', '', 'x'])).toEqual([['', ''], ['x']]);
  });

  it('has nothing to flush when nothing was pushed', () => {
    expect(new AdjacentGrouper<number>((a, b) => a === b).flush()).toBeNull();
  });
});
