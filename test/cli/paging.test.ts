import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { csv, manyClaims } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(async () => {
  ws = new Workspace();
  const ingest = await runMain(['ingest', ws.file('in.csv', csv(manyClaims(30, 2))), '--db', ws.db]);
  expect(ingest.code).toBe(0);
});
afterEach(() => ws.remove());

const list = (args: string[], terminal?: { columns?: number; rows?: number }) =>
  runMain(['list', '--db', ws.db, ...args], {
    stdoutIsTTY: terminal !== undefined,
    stdoutColumns: terminal?.columns,
    stdoutRows: terminal?.rows,
  });

/** Data rows of a table: everything after the header and its rule. */
const tableRows = (stdout: string) => stdout.trimEnd().split('\n').slice(2);

describe('claims list on a terminal', () => {
  it('shows one page that fits the terminal, and says on stderr how many more and how to see them', async () => {
    const result = await list([], { rows: 12, columns: 200 });
    expect(result.code).toBe(0);
    expect(tableRows(result.stdout)).toHaveLength(8);
    expect(result.stderr).toBe(
      'showing 8 claims, 22 more: --offset 8 next, | less for all\n',
    );
  });

  it('shows 20 rows when the terminal does not say its height, and counts lines with --lines', async () => {
    const result = await list(['--lines'], {});
    expect(tableRows(result.stdout)).toHaveLength(20);
    expect(result.stderr).toContain('showing 20 lines, 40 more: --offset 20 next');
  });

  it('pages from --offset, with no note on the last page', async () => {
    const page = await list(['--offset', '8'], { rows: 12 });
    expect(page.stderr).toContain('showing 8 claims, 14 more: --offset 16 next');
    const last = await list(['--offset', '25'], { rows: 12 });
    expect(tableRows(last.stdout)).toHaveLength(5);
    expect(last.stderr).toBe('');
  });

  it('shows what --limit asks for, with no note', async () => {
    const result = await list(['--limit', '25'], { rows: 12 });
    expect(tableRows(result.stdout)).toHaveLength(25);
    expect(result.stderr).toBe('');
  });

  it('cuts a table to the terminal width with …, never wrapping', async () => {
    const result = await list([], { rows: 12, columns: 100 });
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    expect(result.stdout).toContain('…');
    // Short columns stay whole: dates and the net fee of the first claim (100.00 + 101.00 - 2 × 50.00).
    expect(lines[2]).toMatch(/ 2018-03-28 .* 101\.00 /);
  });
});

describe('claims list piped', () => {
  it('writes every row unless --limit, with no note', async () => {
    const all = await list([]);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(31);
    expect(all.stderr).toBe('');
    expect((await list(['--limit', '3'])).stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('writes tables uncut', async () => {
    const result = await list(['--format', 'table']);
    expect(tableRows(result.stdout)).toHaveLength(30);
    expect(result.stdout).not.toContain('…');
    expect(Math.max(...result.stdout.split('\n').map((line) => line.length))).toBeGreaterThan(120);
  });
});

describe('tables on a narrow terminal', () => {
  it('cut a single record (report summary) too', async () => {
    const result = await runMain(['report', 'summary', '--db', ws.db, '--format', 'table'], { stdoutIsTTY: true, stdoutColumns: 22 });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(22);
    // Field names are cut; values (here the net fee) stay whole.
    expect(result.stdout).toMatch(/^events_p[a-z_]*…\s+\d+$/m);
    const { net_fee } = JSON.parse((await runMain(['report', 'summary', '--db', ws.db, '--format', 'json'])).stdout);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^net_fee +${net_fee}$`)));
  });

  it('leave out whole columns that do not fit, never a number cut at the line end', async () => {
    const result = await runMain(['runs', '--db', ws.db, '--format', 'table'], { stdoutIsTTY: true, stdoutColumns: 70 });
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines) {
      expect(line.length).toBeLessThanOrEqual(70);
      // The last column says more columns are left out.
      expect(line).toMatch(/  …$/);
    }
    // No number shows cut: a digit is never followed by the ellipsis.
    expect(result.stdout).not.toMatch(/\d…/);
  });
});
