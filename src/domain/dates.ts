import type { Parsed } from './types.js';

// A trailing time is ignored, but it must look like a time so that garbage is not accepted silently.
const TIME = String.raw`(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?(?:Z|[+-]\d{2}:?\d{2})?)?`;
const US_DATE = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})${TIME}$`);
const ISO_DATE = new RegExp(String.raw`^(\d{4})-(\d{2})-(\d{2})${TIME}$`);

const FORMAT_MESSAGE = 'not a date (expected M/D/YY, M/D/YYYY or YYYY-MM-DD)';

/** Parses a service date into `YYYY-MM-DD`; the date is taken as written, any time or offset is ignored. */
export function parseServiceDate(raw: string): Parsed<string> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };

  let year: number, month: number, day: number, time: (string | undefined)[];
  const us = US_DATE.exec(text);
  const iso = us ? null : ISO_DATE.exec(text);
  if (us) {
    const [, m = '', d = '', y = '', ...rest] = us;
    [month, day, year, time] = [Number(m), Number(d), expandYear(y), rest];
  } else if (iso) {
    const [, y = '', m = '', d = '', ...rest] = iso;
    [year, month, day, time] = [Number(y), Number(m), Number(d), rest];
  } else {
    return { ok: false, message: FORMAT_MESSAGE };
  }

  if (!isValidTime(time)) return { ok: false, message: FORMAT_MESSAGE };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: 'no such date' };
  }
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return { ok: true, value: `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` };
}

/** True when the ISO date is after `today` (both `YYYY-MM-DD`, so string order is date order). */
export function isFutureDate(isoDate: string, today: string): boolean {
  return isoDate > today;
}

function expandYear(y: string): number {
  if (y.length === 4) return Number(y);
  const short = Number(y);
  return short >= 69 ? 1900 + short : 2000 + short;
}

function isValidTime([hours, minutes, seconds, meridiem]: (string | undefined)[]): boolean {
  if (hours === undefined) return true;
  const h = Number(hours);
  const hourOk = meridiem ? h >= 1 && h <= 12 : h <= 23;
  return hourOk && Number(minutes) <= 59 && Number(seconds ?? 0) <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
