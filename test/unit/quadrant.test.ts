import { describe, expect, it } from 'vitest';
import { normaliseQuadrant } from '../../src/domain/quadrant.js';

describe('normaliseQuadrant', () => {
  it.each(['', '   '])('reads blank %j as no quadrant', (raw) => {
    expect(normaliseQuadrant(raw)).toEqual({ ok: true, value: null });
  });

  it.each([
    ['UR', 'UR'],
    ['ur', 'UR'],
    [' ll ', 'LL'],
    ['ua', 'UA'],
    ['La', 'LA'],
    ['l', 'L'],
    ['R', 'R'],
    ['00', '00'],
    ['09', '09'],
    ['10', '10'],
    ['20', '20'],
    ['30', '30'],
    ['40', '40'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(normaliseQuadrant(raw)).toEqual({ ok: true, value: expected });
  });

  it.each(['1', '0', '11', '50', '010', 'U', 'UX', 'upper right', 'L R'])('rejects %j', (raw) => {
    const parsed = normaliseQuadrant(raw);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.message).toMatch(/not a quadrant code/);
  });
});
