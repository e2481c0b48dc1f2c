import { describe, expect, it } from 'vitest';
import type { Claim, Issue } from '../../src/domain/types.js';
import { batchStored } from '../../src/ingest/ports.js';
import {
  countAccepted,
  countRefused,
  countRejectedClaim,
  countRowsRead,
  countWarnings,
  countWritten,
  NO_TOTALS,
  runCounts,
  SAMPLE_SIZE,
} from '../../src/ingest/totals.js';

const issue: Issue = { rule: 'npi_format', field: 'provider_npi', value: 'x', message: 'bad', severity: 'error' };
const claim = (lines: number, netFeeCents: number) => ({ lines: new Array(lines).fill({}), net_fee_cents: netFeeCents }) as Claim;

describe('RunTotals', () => {
  it('are a value: counting returns new totals and leaves the old ones as they were', () => {
    const read = countRowsRead(NO_TOTALS, 3);
    expect(read.rowsRead).toBe(3);
    expect(NO_TOTALS.rowsRead).toBe(0);
    const rejected = countRejectedClaim(read, [{ row: 2, issues: [issue] }]);
    expect(rejected).toMatchObject({ rowsRejected: 1, claimsRejected: 1, sampleRejections: [{ row: 2, issues: [issue] }] });
    expect(read.sampleRejections).toEqual([]);
  });

  it('count every rejected row of a claim, and keep only the first few as a sample', () => {
    let totals = NO_TOTALS;
    for (let row = 1; row <= 8; row++) totals = countRejectedClaim(totals, [{ row: row * 2, issues: [issue] }, { row: row * 2 + 1, issues: [issue] }]);
    expect(totals.rowsRejected).toBe(16);
    expect(totals.claimsRejected).toBe(8);
    expect(totals.sampleRejections.map((f) => f.row)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(totals.sampleRejections).toHaveLength(SAMPLE_SIZE);
  });

  it('count warnings per issue, sampling only rows that have one', () => {
    const warn = { ...issue, severity: 'warn' as const };
    const totals = countWarnings(NO_TOTALS, [{ row: 1, issues: [] }, { row: 2, issues: [warn, warn] }]);
    expect(totals.warnings).toBe(2);
    expect(totals.sampleWarnings).toEqual([{ row: 2, issues: [warn, warn] }]);
    expect(countWarnings(totals, [{ row: 3, issues: [] }])).toBe(totals);
  });

  it('add up what a batch stored, in integer cents, and its duplicates', () => {
    const totals = countWritten(countWritten(NO_TOTALS, batchStored([claim(2, 150), claim(1, -50)], 1)), batchStored([claim(4, 1)], 2));
    expect(runCounts(totals)).toEqual({
      rowsRead: 0,
      rowsRejected: 0,
      claimsStored: 3,
      claimsDuplicate: 3,
      claimsRejected: 0,
      linesStored: 7,
      netFeeCents: 101,
    });
  });

  it('count claims another run took over meanwhile as duplicates once the run is accepted', () => {
    const written = countWritten(NO_TOTALS, batchStored([claim(2, 100), claim(1, 50)], 1));
    const accepted = countAccepted(written, { claimsStored: 1, linesStored: 2, netFeeCents: 100 });
    expect(accepted).toMatchObject({ claimsStored: 1, linesStored: 2, netFeeCents: 100, claimsDuplicate: 2 });
  });

  it('keep nothing stored for a refused input, and keep its row counts', () => {
    const written = countRowsRead(countWritten(NO_TOTALS, batchStored([claim(2, 100)], 0)), 2);
    expect(countRefused(written)).toMatchObject({ rowsRead: 2, claimsStored: 0, linesStored: 0, netFeeCents: 0 });
  });
});
