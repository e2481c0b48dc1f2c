/**
 * Bounds that keep hostile or broken input from exhausting memory, the stack or the CPU, and keep
 * every stored amount exact. Pure values and checks: the readers and rules enforce them.
 */

/** One CSV record, NDJSON line or JSON array element: no real claim line comes near 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** Row objects are flat; 64 levels leave room for odd exports and keep parsers and stringify off the stack limit. */
export const MAX_JSON_DEPTH = 64;

/**
 * Money limits, in cents. A single fee of a dental line is far below $1,000,000.00 and a claim far
 * below $10,000,000.00. With them a line's net fee stays within ±$3,000,000.00 (±$4,000,000.00
 * with negative fees allowed), and a run's total stays below 2^53 cents up to ~9 million maximal claims (reports
 * sum as exact bigints).
 */
export const MAX_FEE_CENTS = 100_000_000;
export const MAX_CLAIM_NET_FEE_CENTS = 1_000_000_000;

/** Longer cells fail a custom rule without being matched: the regex engine's cost grows with the input. */
export const MAX_CUSTOM_RULE_INPUT = 1024;

// C0 controls except tab, LF and CR, and DEL: never meaningful in a claim value.
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** The first control character in a value, as `U+0000`, or null. */
export function controlCharacter(value: string): string | null {
  const found = CONTROL_CHARACTER.exec(value);
  return found ? `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

const FORMULA_START = /^(?:[=+@\t\r]|-(?!\d))/;

/** A spreadsheet would run it as a formula (OWASP CSV injection): `=`, `+`, `@`, tab, CR, or `-` not before a digit. */
export function looksLikeFormula(value: string): boolean {
  return FORMULA_START.test(value);
}

/** Nesting depth of JSON text (brackets outside strings), scanning no further than `limit` + 1 levels. */
export function jsonDepthExceeds(text: string, limit: number = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
