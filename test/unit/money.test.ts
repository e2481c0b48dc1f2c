import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCents, parseMoney } from '../../src/domain/money.js';

const cents = (raw: string) => {
  const parsed = parseMoney(raw);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(raw)} to parse: ${parsed.message}`);
  return parsed.value;
};
const failure = (raw: string) => {
  const parsed = parseMoney(raw);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(raw)} to be rejected, got ${parsed.value}`);
  return parsed.message;
};

describe('parseMoney', () => {
  it.each([
    ['$0.29', 29],
    ['$1,234.50', 123450],
    ['$1,234.50 ', 123450],
    ['  $100.00 ', 10000],
    ['5', 500],
    ['5.5', 550],
    ['5.', 500],
    ['.29', 29],
    ['0.07', 7],
    ['1234567.89', 123456789],
    ['1,000,000', 100000000],
    ['$16.25', 1625],
    ['-$5.00', -500],
    ['$-5.00', -500],
    ['-0.05', -5],
    ['90071992547409.91', Number.MAX_SAFE_INTEGER],
  ])('reads %j as %i cents', (raw, expected) => {
    expect(cents(raw)).toBe(expected);
  });

  it('reads negative zero as zero', () => {
    expect(Object.is(cents('-0.00'), 0)).toBe(true);
  });

  it('reads amounts a float would get wrong exactly', () => {
    // parseFloat('1.15') * 100 is 114.99999999999999
    expect(cents('1.15')).toBe(115);
    expect(cents('4.35')).toBe(435);
  });

  it.each(['', '   '])('rejects blank %j as empty', (raw) => {
    expect(failure(raw)).toBe('empty');
  });

  it.each(['1.005', '$0.001', '12.345'])('rejects %j: more than two decimals', (raw) => {
    expect(failure(raw)).toBe('more than two decimals');
  });

  it.each(['abc', '$', '.', '-', '1,23.4', '12,34', ',123', '1,2345', '1.2.3', '--5', '-$-5', '$$5', '5$', '1 000', '1e3', '0x10', '(5.00)', '５'])(
    'rejects %j as not a money amount',
    (raw) => {
      expect(failure(raw)).toBe('not a money amount');
    },
  );

  it('rejects amounts beyond the safe integer range of cents', () => {
    expect(failure('90071992547409.92')).toBe('too large');
    expect(failure('99999999999999999999')).toBe('too large');
  });
});

/**
 * The money grammar as a pattern, the form parseMoney was first written in: parseMoney now scans
 * by hand, and must read every text exactly as this does.
 */
function parseMoneyByPattern(raw: string): ReturnType<typeof parseMoney> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  const match = /^(-?)(\$?)(-?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return { ok: false, message: 'not a money amount' };
  const [, signBefore, , signAfter, whole = '', decimals] = match;
  if ((signBefore && signAfter) || (whole === '' && !decimals)) return { ok: false, message: 'not a money amount' };
  if (decimals !== undefined && decimals.length > 2) return { ok: false, message: 'more than two decimals' };
  const magnitude = BigInt(whole.replaceAll(',', '') || '0') * 100n + BigInt((decimals ?? '').padEnd(2, '0'));
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, message: 'too large' };
  return { ok: true, value: signBefore || signAfter ? -Number(magnitude) || 0 : Number(magnitude) };
}

describe('parseMoney against the money pattern', () => {
  // Texts made of the characters the grammar turns on, so that near misses are common.
  const moneyLike = fc.string({ unit: fc.constantFrom('-', '$', ',', '.', ' ', '0', '1', '5', '9', 'x'), maxLength: 16 });
  const digitsLike = fc.string({ unit: fc.constantFrom('0', '1', '9', ',', '.'), minLength: 12, maxLength: 24 });

  it('reads every text as the pattern does', () => {
    fc.assert(
      fc.property(fc.oneof(moneyLike, digitsLike, fc.string({ maxLength: 8 })), (text) => {
        expect(parseMoney(text)).toEqual(parseMoneyByPattern(text));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('formatCents', () => {
  it.each([
    [11685, '116.85'],
    [-5, '-0.05'],
    [123450, '1234.50'],
    [0, '0.00'],
    [7, '0.07'],
    [-123456, '-1234.56'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
  ])('formats %i as %j', (value, expected) => {
    expect(formatCents(value)).toBe(expected);
  });

  it('round-trips with parseMoney', () => {
    for (const value of [0, 1, 99, 100, 101, 11685, -2500, 987654321]) {
      expect(cents(formatCents(value))).toBe(value);
    }
  });

  it('refuses fractional cents', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});
