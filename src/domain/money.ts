import { digitsEnd, ZERO } from './digits.js';
import type { Parsed } from './types.js';

// 13 whole digits and 2 decimals stay below 2^53 cents.
const SAFE_WHOLE_DIGITS = 13;
const MAX_SAFE_CENTS = BigInt(Number.MAX_SAFE_INTEGER);
const MINUS = 0x2d;
const DOLLAR = 0x24;
const COMMA = 0x2c;
const POINT = 0x2e;
const NOT_MONEY: Parsed<number> = { ok: false, message: 'not a money amount' };

/**
 * Parses a user-written money amount into integer cents, digit by digit (never through a float):
 * an optional `-` before or after an optional `$`, whole digits either plain or correctly
 * comma-grouped (`1,234`), then optionally `.` and at most two decimals. Scanned by hand rather
 * than matched by a pattern: this runs four times per input row, and a match's captures were a
 * fifth of an ingest's allocations.
 */
export function parseMoney(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  let at = 0;
  const signBefore = text.charCodeAt(at) === MINUS;
  if (signBefore) at++;
  if (text.charCodeAt(at) === DOLLAR) at++;
  const signAfter = text.charCodeAt(at) === MINUS;
  if (signAfter) at++;
  if (signBefore && signAfter) return NOT_MONEY;

  const wholeStart = at;
  at = digitsEnd(text, at);
  if (text.charCodeAt(at) === COMMA) {
    // Groups of exactly three digits after one to three: `1,234,567`, never `12,34` or `1234,567`.
    if (at === wholeStart || at - wholeStart > 3) return NOT_MONEY;
    while (text.charCodeAt(at) === COMMA) {
      if (digitsEnd(text, at + 1) !== at + 4) return NOT_MONEY;
      at += 4;
    }
  }
  const wholeEnd = at;
  let decimalsStart = -1;
  if (text.charCodeAt(at) === POINT) {
    decimalsStart = at + 1;
    at = digitsEnd(text, decimalsStart);
  }
  if (at !== text.length) return NOT_MONEY;
  const decimalCount = decimalsStart < 0 ? 0 : at - decimalsStart;
  if (wholeEnd === wholeStart && decimalCount === 0) return NOT_MONEY;
  if (decimalCount > 2) return { ok: false, message: 'more than two decimals' };

  let fraction = 0;
  if (decimalCount >= 1) fraction += (text.charCodeAt(decimalsStart) - ZERO) * 10;
  if (decimalCount === 2) fraction += text.charCodeAt(decimalsStart + 1) - ZERO;
  // The whole part's digits after any leading zeros (and without the commas).
  let significant = 0;
  let whole = 0;
  for (let i = wholeStart; i < wholeEnd; i++) {
    const c = text.charCodeAt(i);
    if (c === COMMA || (c === ZERO && significant === 0)) continue;
    significant++;
    whole = whole * 10 + (c - ZERO);
  }
  let cents: number;
  if (significant <= SAFE_WHOLE_DIGITS) {
    // Integers this short are exact as numbers: no float rounding can happen.
    cents = whole * 100 + fraction;
  } else {
    // A million-digit cell must not cost a million-digit BigInt: 2^53 cents has 14 whole digits.
    if (significant > SAFE_WHOLE_DIGITS + 1) return { ok: false, message: 'too large' };
    const digits = text.slice(wholeStart, wholeEnd).replaceAll(',', '');
    const magnitude = BigInt(digits) * 100n + BigInt(fraction);
    if (magnitude > MAX_SAFE_CENTS) return { ok: false, message: 'too large' };
    cents = Number(magnitude);
  }
  // `-0.00` is zero, not a negative amount.
  return { ok: true, value: signBefore || signAfter ? -cents || 0 : cents };
}

/** Whether a value read back as cents can be formatted exactly: a safe integer number, or a bigint. */
export function isExactCents(cents: unknown): cents is number | bigint {
  return typeof cents === 'bigint' || Number.isSafeInteger(cents);
}

/**
 * Formats cents as a plain decimal string: `116.85`, `-0.05`; no currency sign, no grouping.
 * Sums over many claims come as bigints so that they never lose a cent.
 */
export function formatCents(cents: number | bigint): string {
  if (!isExactCents(cents)) throw new RangeError(`not an integer amount of cents: ${cents}`);
  const value = BigInt(cents);
  const magnitude = value < 0n ? -value : value;
  const fraction = String(magnitude % 100n).padStart(2, '0');
  return `${value < 0n ? '-' : ''}${magnitude / 100n}.${fraction}`;
}
