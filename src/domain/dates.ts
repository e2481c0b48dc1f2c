import { digitsEnd, ZERO } from './digits.js';
import type { Parsed } from './types.js';

// A trailing time is ignored, but it must look like a time so that garbage is not accepted silently.
const TIME = new RegExp(
  String.raw`^[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp][Mm]))?(?:Z|[+-]\d{2}:?\d{2})?$`,
);

const FORMAT_MESSAGE = 'not a date (expected M/D/YY, M/D/YYYY or YYYY-MM-DD)';
const NOT_A_DATE: Parsed<string> = { ok: false, message: FORMAT_MESSAGE };

const SLASH = 0x2f;
const DASH = 0x2d;
const COLON = 0x3a;
const SPACE = 0x20;
const LETTER_T = 0x54;

/** The date part of a service date, and where what follows it (a time, or nothing) starts. */
interface DatePart {
  year: number;
  month: number;
  day: number;
  end: number;
}

/**
 * Parses a service date into `YYYY-MM-DD`: M/D/YY, M/D/YYYY or YYYY-MM-DD, optionally followed by a
 * time (and offset), which must be a real time but is otherwise ignored.
 */
export function parseServiceDate(raw: string): Parsed<string> {
  // An export's dates repeat (a claim's lines, a day's claims): a recent text's answer is reused.
  const known = recentDates.get(raw);
  if (known !== undefined) return known;
  const parsed = readServiceDate(raw);
  if (raw.length <= MAX_RECENT_TEXT) {
    if (recentDates.size >= MAX_RECENT) recentDates.clear();
    recentDates.set(raw, parsed);
  }
  return parsed;
}

/** Answers by the text they were given: each is a value, shared by every row that gives that text. */
const recentDates = new Map<string, Readonly<Parsed<string>>>();
/** A few years of days; only texts a date could be (a cell can be a megabyte). */
const MAX_RECENT = 4096;
const MAX_RECENT_TEXT = 40;

/** The date scanned by hand (this runs for every input row); only a time other than the plain `H:MM` goes through a pattern. */
function readServiceDate(raw: string): Parsed<string> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  const date = usDate(text) ?? isoDate(text);
  if (date === null || !isTimeOrNothing(text, date.end)) return NOT_A_DATE;
  const { year, month, day } = date;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, message: 'no such date' };
  }
  return { ok: true, value: `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}` };
}

/** The number written by the digits from `from` to `to` (a few digits: exact). */
function number(text: string, from: number, to: number): number {
  let value = 0;
  for (let at = from; at < to; at++) value = value * 10 + text.charCodeAt(at) - ZERO;
  return value;
}

/** M/D/YY or M/D/YYYY (one or two digits for month and day). */
function usDate(text: string): DatePart | null {
  const monthEnd = digitsEnd(text, 0);
  if (monthEnd < 1 || monthEnd > 2 || text.charCodeAt(monthEnd) !== SLASH) return null;
  const dayEnd = digitsEnd(text, monthEnd + 1);
  if (dayEnd - monthEnd - 1 < 1 || dayEnd - monthEnd - 1 > 2 || text.charCodeAt(dayEnd) !== SLASH) return null;
  const yearEnd = digitsEnd(text, dayEnd + 1);
  const yearDigits = yearEnd - dayEnd - 1;
  if (yearDigits !== 2 && yearDigits !== 4) return null;
  const year = number(text, dayEnd + 1, yearEnd);
  return {
    year: yearDigits === 4 ? year : expandYear(year),
    month: number(text, 0, monthEnd),
    day: number(text, monthEnd + 1, dayEnd),
    end: yearEnd,
  };
}

/** YYYY-MM-DD. */
function isoDate(text: string): DatePart | null {
  if (digitsEnd(text, 0) !== 4 || text.charCodeAt(4) !== DASH) return null;
  if (digitsEnd(text, 5) !== 7 || text.charCodeAt(7) !== DASH || digitsEnd(text, 8) !== 10) return null;
  return { year: number(text, 0, 4), month: number(text, 5, 7), day: number(text, 8, 10), end: 10 };
}

/** Nothing after the date, or a real time (spaces or `T` first): `0:00`, `13:45:00`, `1:05 PM`, `23:30:00.123-05:00`. */
function isTimeOrNothing(text: string, from: number): boolean {
  if (from === text.length) return true;
  // The plain `H:MM` of most exports, without a pattern's match.
  let at = from;
  while (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === LETTER_T) at++;
  const hoursEnd = digitsEnd(text, at);
  if (at > from && hoursEnd - at >= 1 && hoursEnd - at <= 2 && text.charCodeAt(hoursEnd) === COLON) {
    if (digitsEnd(text, hoursEnd + 1) === hoursEnd + 3 && hoursEnd + 3 === text.length) {
      return isValidTime(number(text, at, hoursEnd), number(text, hoursEnd + 1, hoursEnd + 3), 0, false);
    }
  }
  const time = TIME.exec(text.slice(from));
  return time !== null && isValidTime(Number(time[1]), Number(time[2]), Number(time[3] ?? 0), time[4] !== undefined);
}

/** True when the ISO date is after `today` (both `YYYY-MM-DD`, so string order is date order). */
export function isFutureDate(isoDate: string, today: string): boolean {
  return isoDate > today;
}

/** A two-digit year: 69 to 99 are the 1900s, 00 to 68 the 2000s. */
function expandYear(short: number): number {
  return short >= 69 ? 1900 + short : 2000 + short;
}

/** Hours 0-23, or 1-12 with AM/PM; minutes and seconds 0-59. */
function isValidTime(hours: number, minutes: number, seconds: number, meridiem: boolean): boolean {
  const hourOk = meridiem ? hours >= 1 && hours <= 12 : hours <= 23;
  return hourOk && minutes <= 59 && seconds <= 59;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}
