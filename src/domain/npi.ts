import { ZERO } from './digits.js';

// Compiled once: a pattern literal inside a function is a new object at every call.
const TEN_DIGITS = /^[0-9]{10}$/;

/** True when `s` is exactly 10 ASCII digits. */
export function isNpiFormat(s: string): boolean {
  return TEN_DIGITS.test(s);
}

/**
 * CMS NPI check digit: Luhn over the card-issuer prefix `80840` followed by the NPI, whose last
 * digit is the check digit. The prefix's digits always add 24 (the shortcut the CMS specification
 * gives), so only the NPI's own digits are read.
 */
export function hasValidNpiCheckDigit(npi: string): boolean {
  if (!isNpiFormat(npi)) return false;
  let sum = PREFIX_80840_SUM;
  for (let i = 0; i < npi.length; i++) {
    const digit = npi.charCodeAt(npi.length - 1 - i) - ZERO;
    // Luhn doubles every second digit counting from the right (the check digit is not doubled).
    const doubled = i % 2 === 1 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return sum % 10 === 0;
}

const PREFIX_80840_SUM = 24;
