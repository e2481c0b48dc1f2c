/** True when `s` is exactly 10 ASCII digits. */
export function isNpiFormat(s: string): boolean {
  return /^[0-9]{10}$/.test(s);
}

/**
 * CMS NPI check digit: Luhn over the card-issuer prefix `80840` followed by the NPI,
 * whose last digit is the check digit.
 */
export function hasValidNpiCheckDigit(npi: string): boolean {
  if (!isNpiFormat(npi)) return false;
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[digits.length - 1 - i]);
    // Luhn doubles every second digit counting from the right (the check digit is not doubled).
    const doubled = i % 2 === 1 ? digit * 2 : digit;
    sum += doubled > 9 ? doubled - 9 : doubled;
  }
  return sum % 10 === 0;
}
