import type { Parsed } from './types.js';

// Sign may sit before or after the `$`; integer part either plain digits or correctly comma-grouped.
const MONEY_PATTERN = /^(-?)(\$?)(-?)(\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$/;
const MAX_SAFE_CENTS = BigInt(Number.MAX_SAFE_INTEGER);
// 13 whole digits and 2 decimals stay below 2^53 cents.
const SAFE_WHOLE_DIGITS = 13;

/** Parses a user-written money amount into integer cents, digit by digit (never through a float). */
export function parseMoney(raw: string): Parsed<number> {
  const text = raw.trim();
  if (text === '') return { ok: false, message: 'empty' };
  const match = MONEY_PATTERN.exec(text);
  if (!match) return { ok: false, message: 'not a money amount' };
  const [, signBefore = '', , signAfter = '', whole = '', decimals] = match;
  if ((signBefore && signAfter) || (whole === '' && !decimals)) {
    return { ok: false, message: 'not a money amount' };
  }
  if (decimals !== undefined && decimals.length > 2) return { ok: false, message: 'more than two decimals' };

  const digits = whole.replaceAll(',', '') || '0';
  const fraction = (decimals ?? '').padEnd(2, '0');
  let cents: number;
  if (digits.length <= SAFE_WHOLE_DIGITS) {
    // Integers this short are exact as numbers: no float rounding can happen.
    cents = Number(digits) * 100 + Number(fraction);
  } else {
    const magnitude = BigInt(digits) * 100n + BigInt(fraction);
    if (magnitude > MAX_SAFE_CENTS) return { ok: false, message: 'too large' };
    cents = Number(magnitude);
  }
  // `-0.00` is zero, not a negative amount.
  return { ok: true, value: signBefore || signAfter ? -cents || 0 : cents };
}

/** Formats cents as a plain decimal string: `116.85`, `-0.05`; no currency sign, no grouping. */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`not an integer amount of cents: ${cents}`);
  const magnitude = Math.abs(cents);
  const fraction = String(magnitude % 100).padStart(2, '0');
  return `${cents < 0 ? '-' : ''}${Math.trunc(magnitude / 100)}.${fraction}`;
}
