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

  // Indexed rather than destructured (this runs for every input row); groups 4 to 7 are the time.
  let year: number, month: number, day: number;
  const us = US_DATE.exec(text);
  const match = us ?? ISO_DATE.exec(text);
  if (match === null) return { ok: false, message: FORMAT_MESSAGE };
  if (us) {
    month = Number(us[1]);
    day = Number(us[2]);
    year = expandYear(us[3]!);
  } else {
    year = Number(match[1]);
    month = Number(match[2]);
    day = Number(match[3]);
  }

  if (!isValidTime(match[4], match[5], match[6], match[7])) return { ok: false, message: FORMAT_MESSAGE };
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: 'no such date' };
  }
  return { ok: true, value: `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}` };
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

function isValidTime(hours: string | undefined, minutes: string | undefined, seconds: string | undefined, meridiem: string | undefined): boolean {
  if (hours === undefined) return true;
  const h = Number(hours);
  const hourOk = meridiem ? h >= 1 && h <= 12 : h <= 23;
  return hourOk && Number(minutes) <= 59 && Number(seconds ?? 0) <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
