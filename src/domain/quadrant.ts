import type { Parsed } from './types.js';

/** Area-of-oral-cavity codes: letter forms and the X12 837D two-digit codes. */
export const QUADRANT_CODES: readonly string[] = [
  'UR', 'UL', 'LR', 'LL', 'UA', 'LA', 'L', 'R',
  '00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '20', '30', '40',
];

/** Empty means no quadrant (null); anything else must be a known code, compared upper-cased. */
export function normaliseQuadrant(raw: string): Parsed<string | null> {
  const code = raw.trim().toUpperCase();
  if (code === '') return { ok: true, value: null };
  if (QUADRANT_CODES.includes(code)) return { ok: true, value: code };
  return { ok: false, message: 'not a quadrant code (UR, UL, LR, LL, UA, LA, L, R, 00-10, 20, 30, 40)' };
}
