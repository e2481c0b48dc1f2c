/** Character codes for the parsers that scan by hand (money.ts, dates.ts): ASCII digits only, as `\d` without the u flag. */
export const ZERO = 0x30;
const NINE = 0x39;

export function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/** The end of the run of ASCII digits that starts at `from`. */
export function digitsEnd(text: string, from: number): number {
  let at = from;
  while (at < text.length && isDigit(text.charCodeAt(at))) at++;
  return at;
}
