import type { Parsed } from './types.js';

// Sign may sit before or after the `$`; integer part either plain digits or correctly comma-grouped.
const MONEY_PATTERN = /^(-?)(\$?)(-?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/;
// 13 whole digits and 2 decimals stay below 2^53 cents.
const SAFE_WHOLE_DIGITS = 13;
const MAX_SAFE_CENTS = BigInt(Number.MAX_SAFE_INTEGER);
const ZERO = 0x30;
const LEADING_ZEROS = /^0+(?=\d)/;

/** Parses a user-written money amount into integer cents, digit by digit (never through a float). */
export function parseMoney(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  const match = MONEY_PATTERN.exec(text);
  if (!match) return { ok: false, message: 'not a money amount' };
  // Indexed rather than destructured: this runs four times per input row.
  const signBefore = match[1] ?? '';
  const signAfter = match[3] ?? '';
  const whole = match[4] ?? '';
  const decimals = match[5];
  if ((signBefore && signAfter) || (whole === '' && !decimals)) {
    return { ok: false, message: 'not a money amount' };
  }
  if (decimals !== undefined && decimals.length > 2) return { ok: false, message: 'more than two decimals' };

  const digits = (whole.includes(',') ? whole.replaceAll(',', '') : whole) || '0';
  const fraction = decimals === undefined ? '00' : decimals.length === 2 ? decimals : decimals.padEnd(2, '0');
  const significant = digits.charCodeAt(0) === ZERO ? digits.replace(LEADING_ZEROS, '') : digits;
  let cents: number;
  if (significant.length <= SAFE_WHOLE_DIGITS) {
    // Integers this short are exact as numbers: no float rounding can happen.
    cents = Number(significant) * 100 + Number(fraction);
  } else {
    // A million-digit cell must not cost a million-digit BigInt: 2^53 cents has 14 whole digits.
    if (significant.length > SAFE_WHOLE_DIGITS + 1) return { ok: false, message: 'too large' };
    const magnitude = BigInt(significant) * 100n + BigInt(fraction);
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
