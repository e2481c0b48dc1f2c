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
