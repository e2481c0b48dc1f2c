import { describe, expect, it } from 'vitest';
import { hasValidNpiCheckDigit, isNpiFormat } from '../../src/domain/npi.js';

describe('isNpiFormat', () => {
  it('accepts exactly ten ASCII digits', () => {
    expect(isNpiFormat('1497775530')).toBe(true);
  });

  it.each(['', '149777553', '14977755301', '149777553a', ' 1497775530', '1497775530 ', '１４９７７７５５３０', '1497-775530'])(
    'rejects %j',
    (value) => {
      expect(isNpiFormat(value)).toBe(false);
    },
  );
});

describe('hasValidNpiCheckDigit', () => {
  // 1234567893 is the example in the CMS NPI check-digit specification.
  it.each(['1497775530', '1234567893', '1245319599', '1003000126'])('accepts %s', (npi) => {
    expect(hasValidNpiCheckDigit(npi)).toBe(true);
  });

  it.each(['1497775531', '1234567890', '1234567894', '1245319590', '0000000000'])('rejects %s', (npi) => {
    expect(hasValidNpiCheckDigit(npi)).toBe(false);
  });

  it('detects every single-digit change of a valid NPI', () => {
    const valid = '1234567893';
    for (let position = 0; position < valid.length; position++) {
      for (let digit = 0; digit <= 9; digit++) {
        const changed = valid.slice(0, position) + String(digit) + valid.slice(position + 1);
        if (changed !== valid) expect(hasValidNpiCheckDigit(changed), changed).toBe(false);
      }
    }
  });

  it('is false for values that are not NPIs', () => {
    expect(hasValidNpiCheckDigit('123456789')).toBe(false);
    expect(hasValidNpiCheckDigit('abcdefghij')).toBe(false);
  });
});
