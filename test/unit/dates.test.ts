import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFutureDate, parseServiceDate } from '../../src/domain/dates.js';

const date = (raw: string) => {
  const parsed = parseServiceDate(raw);
  if (!parsed.ok) throw new Error(`expected ${JSON.stringify(raw)} to parse: ${parsed.message}`);
  return parsed.value;
};

describe('parseServiceDate', () => {
  it.each([
    ['3/28/18 0:00', '2018-03-28'],
    ['3/28/18', '2018-03-28'],
    ['03/08/2018', '2018-03-08'],
    ['3/28/2018 12:00 PM', '2018-03-28'],
    ['3/28/2018 1:05:09 am', '2018-03-28'],
    ['2018-03-28', '2018-03-28'],
    ['2018-03-28 13:45:00', '2018-03-28'],
    ['2018-03-28T00:00:00Z', '2018-03-28'],
    ['2018-03-28T23:30:00.123-05:00', '2018-03-28'],
    [' 2018-03-28 ', '2018-03-28'],
  ])('reads %j as %s', (raw, expected) => {
    expect(date(raw)).toBe(expected);
  });

  it.each([
    ['1/1/69', '1969-01-01'],
    ['1/1/99', '1999-01-01'],
    ['1/1/00', '2000-01-01'],
    ['1/1/68', '2068-01-01'],
  ])('expands two-digit year in %j to %s', (raw, expected) => {
    expect(date(raw)).toBe(expected);
  });

  it.each([
    ['2/29/2000', '2000-02-29'],
    ['2/29/24', '2024-02-29'],
    ['2016-02-29', '2016-02-29'],
  ])('accepts leap day %j', (raw, expected) => {
    expect(date(raw)).toBe(expected);
  });

  it.each(['2/30/18', '13/1/18', '0/1/18', '1/0/18', '4/31/2018', '2/29/2018', '2/29/1900', '1900-02-29', '2018-00-10', '2018-12-32'])(
    'rejects impossible date %j',
    (raw) => {
      expect(parseServiceDate(raw)).toEqual({ ok: false, message: 'no such date' });
    },
  );

  it.each(['garbage', '3/28', '3-28-2018', '28.03.2018', '3/28/018', '2018-3-28', '2018/03/28', '3/28/18 noon', '3/28/18 25:00', '3/28/18 13:00 PM', '20180328'])(
    'rejects %j as not a date',
    (raw) => {
      const parsed = parseServiceDate(raw);
      expect(parsed.ok).toBe(false);
      expect(parsed.ok ? '' : parsed.message).toMatch(/^not a date/);
    },
  );

  it('rejects an empty value', () => {
    expect(parseServiceDate('  ')).toEqual({ ok: false, message: 'empty' });
  });
});

describe('isFutureDate', () => {
  it('is true only after today', () => {
    expect(isFutureDate('2025-01-02', '2025-01-01')).toBe(true);
    expect(isFutureDate('2025-01-01', '2025-01-01')).toBe(false);
    expect(isFutureDate('2024-12-31', '2025-01-01')).toBe(false);
  });
});

/**
 * The date grammar as patterns, the form parseServiceDate was first written in: it now scans the
 * date by hand, and must read every text exactly as these do.
 */
function parseServiceDateByPattern(raw: string): ReturnType<typeof parseServiceDate> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  const time = String.raw`(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?(?:Z|[+-]\d{2}:?\d{2})?)?`;
  const us = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})${time}$`).exec(text);
  const iso = us ? null : new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${time}$`).exec(text);
  const match = us ?? iso;
  const notADate = { ok: false as const, message: 'not a date (expected M/D/YY, M/D/YYYY or YYYY-MM-DD)' };
  if (!match) return notADate;
  const shortYear = us && us[3]!.length === 2 ? Number(us[3]) : null;
  const year = us ? (shortYear === null ? Number(us[3]) : shortYear >= 69 ? 1900 + shortYear : 2000 + shortYear) : Number(match[1]);
  const month = Number(us ? us[1] : match[2]);
  const day = Number(us ? us[2] : match[3]);
  const [hours, minutes, seconds, meridiem] = [match[4], match[5], match[6], match[7]];
  if (hours !== undefined) {
    const h = Number(hours);
    if (!((meridiem ? h >= 1 && h <= 12 : h <= 23) && Number(minutes) <= 59 && Number(seconds ?? 0) <= 59)) return notADate;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (month < 1 || month > 12 || day < 1 || day > days) return { ok: false, message: 'no such date' };
  return { ok: true, value: `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}` };
}

describe('parseServiceDate against the date patterns', () => {
  // Texts made of the characters the grammar turns on, so that near misses are common.
  const digit = fc.constantFrom('0', '1', '2', '3', '4', '5', '6', '9');
  const dateLike = fc.string({ unit: fc.oneof(digit, fc.constantFrom('/', '-', ':', ' ', 'T', '.', 'P', 'm', 'Z', '+')), maxLength: 24 });
  const part = (min: number, max: number) => fc.string({ unit: digit, minLength: min, maxLength: max });
  // Hours and minutes at the edges of their ranges, and of their digit counts.
  const clock = fc.constantFrom('0', '00', '1', '9', '12', '13', '23', '24', '59', '60', '99', '123', '');
  const time = fc.oneof(
    fc.constant(''),
    fc.tuple(fc.constantFrom(' ', 'T', '  ', ' T', ''), clock, clock, fc.constantFrom('', '', ':00', ':60', ':5'), fc.constantFrom('', '', ' PM', 'am', 'Z', '-05:00', '+0530', ' x')).map(
      ([gap, h, m, s, suffix]) => `${gap}${h}:${m}${s}${suffix}`,
    ),
  );
  const usLike = fc.tuple(part(0, 3), part(0, 3), part(1, 5), time).map(([m, d, y, t]) => `${m}/${d}/${y}${t}`);
  const isoLike = fc.tuple(part(3, 5), part(1, 3), part(1, 3), time).map(([y, m, d, t]) => `${y}-${m}-${d}${t}`);

  it('reads every text as the patterns do', () => {
    fc.assert(
      fc.property(fc.oneof(usLike, isoLike, dateLike), (text) => {
        expect(parseServiceDate(text)).toEqual(parseServiceDateByPattern(text));
      }),
      { numRuns: 20_000 },
    );
  });
});
