import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { cells, csv } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

let ws: Workspace;
beforeEach(async () => {
  ws = new Workspace();
  // One stored claim and one rejected row, so every read has something to show unfiltered.
  const file = ws.file('in.csv', csv([cells(), cells({ subscriber: 'S2', npi: 'bad' })]));
  expect((await runMain(['ingest', file, '--db', ws.db, '-q'])).code).toBe(3);
});
afterEach(() => ws.remove());

const header = (stdout: string) => stdout.split('\n')[0];

describe('an empty result', () => {
  it.each([
    [['list'], ['--from', '2099-01-01']],
    [['list', '--lines'], ['--procedure', 'D9999']],
    [['runs'], ['--status', 'refused']],
    [['report', 'top-providers'], ['--from', '2099-01-01']],
    [['report', 'rejections'], ['--run', '99']],
  ])('is still a CSV with its header row: %s', async (words, filter) => {
    const full = await runMain([...words, '--db', ws.db, '--format', 'csv']);
    const empty = await runMain([...words, ...filter, '--db', ws.db, '--format', 'csv']);
    expect(empty.code).toBe(0);
    expect(full.stdout.trimEnd().split('\n').length).toBeGreaterThan(1);
    expect(empty.stdout).toBe(`${header(full.stdout)}\n`);
    // A table shows its header too; JSON an empty array.
    const table = await runMain([...words, ...filter, '--db', ws.db, '--format', 'table']);
    expect(table.stdout.split('\n')[0]).toMatch(/^\w/);
    expect(JSON.parse((await runMain([...words, ...filter, '--db', ws.db, '--format', 'json'])).stdout)).toEqual([]);
  });
});
