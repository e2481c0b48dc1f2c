import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace } from '../helpers/main.js';
import { cells, csv, HEADER, jsonRow } from '../helpers/inputs.js';
import { failureLines } from '../helpers/main.js';

let ws: InProcessWorkspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

async function stored(): Promise<{ claims: number; lines: number; net_fee_cents: number }> {
  return JSON.parse((await ws.run(['report', 'summary', '--format', 'json'])).stdout);
}

describe('header matching', () => {
  it('ignores case, punctuation, whitespace and newlines inside quoted headers', async () => {
    const header = [
      'SERVICE_DATE',
      'Submitted\nProcedure',
      'Quadrant',
      'plan group number',
      'subscriber #',
      'Provider\n NPI',
      'ProviderFees',
      'allowed-fees',
      'Member Coinsurance',
      'MemberCopay',
    ];
    const file = ws.file('messy.csv', csv([cells(), cells({ procedure: 'D0210' })], header));
    const result = await ws.run(['ingest', file]);
    expect(result.code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 1, lines: 2 });
  });

  it('accepts a UTF-8 BOM and CRLF line ends', async () => {
    const file = ws.file('bom.csv', `\uFEFF${csv([cells(), cells({ procedure: 'D0210' })], HEADER, '\r\n')}`);
    expect((await ws.run(['ingest', file])).code).toBe(0);
    const lines = JSON.parse((await ws.run(['list', '--lines', '--format', 'json'])).stdout);
    expect(lines.map((l: { service_date: string }) => l.service_date)).toEqual(['2018-03-28', '2018-03-28']);
  });

  it('reads a file whose lines end in CRLF and LF mixed, each line a row', async () => {
    const crlf = csv([cells(), cells({ procedure: 'D0210' })], HEADER, '\r\n');
    const [header, first, second] = crlf.split('\r\n');
    // An LF line between CRLF lines (a file edited by hand, or two exports glued together).
    const file = ws.file('mixed.csv', `${header}\r\n${first}\n${second}\r\n`);
    expect((await ws.run(['ingest', file])).code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 1, lines: 2 });
  });

  it('refuses an input missing a required column before writing any row, naming missing and found headers', async () => {
    const header = HEADER.filter((h) => h !== 'Allowed fees');
    const rows = [cells().filter((_, i) => HEADER[i] !== 'Allowed fees')];
    const file = ws.file('missing.csv', csv(rows, header));
    const result = await ws.run(['ingest', file]);
    expect(result.code).toBe(1);
    const [failure] = failureLines(result.stderr);
    expect(failure).toContain('missing.csv: missing required column allowed_fees');
    expect(failure).toContain('headers found: "service date", "submitted procedure"');
    expect(await stored()).toMatchObject({ claims: 0, lines: 0 });
  });

  it('does not require the quadrant column', async () => {
    const header = HEADER.filter((h) => h !== 'quadrant');
    const file = ws.file('noquad.csv', csv([cells().filter((_, i) => i !== 2)], header));
    expect((await ws.run(['ingest', file])).code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 1 });
  });

  it('ignores other columns for storage but keeps them in rejection records', async () => {
    const header = [...HEADER, 'Notes'];
    const file = ws.file('extra.csv', csv([[...cells(), 'ok'], [...cells({ date: '2/30/18' }), 'see me']], header));
    const result = await ws.run(['ingest', file]);
    expect(result.code).toBe(3);
    const [rejection] = JSON.parse((await ws.run(['report', 'rejections', '--format', 'json'])).stdout);
    expect(rejection.values.Notes).toBe('see me');
  });
});

describe('input formats', () => {
  it('reads a JSON array with PascalCase keys and a numeric NPI', async () => {
    const rows = [jsonRow(), { ...jsonRow({ procedure: 'D0210' }), ProviderNPI: 1497775530, ProviderFees: 108 }];
    const file = ws.file('rows.json', JSON.stringify(rows));
    expect((await ws.run(['ingest', file])).code).toBe(0);
    const [claim] = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout);
    expect(claim).toMatchObject({ provider_npi: '1497775530', lines: 2, net_fee_cents: 800 });
  });

  it('accepts a UTF-8 BOM before JSON and NDJSON', async () => {
    expect((await ws.run(['ingest', ws.file('bom.json', `\uFEFF${JSON.stringify([jsonRow()])}`)])).code).toBe(0);
    expect((await ws.run(['ingest', ws.file('bom.ndjson', `\uFEFF${JSON.stringify(jsonRow({ subscriber: 'S2' }))}\n`)])).code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 2 });
  });

  it('refuses a JSON input missing a required key in its first row, naming it', async () => {
    const { AllowedFees: _dropped, ...row } = jsonRow();
    const result = await ws.run(['ingest', ws.file('rows.json', JSON.stringify([row]))]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('rows.json: missing required column allowed_fees');
  });

  it('reads a single JSON object as one row', async () => {
    const file = ws.file('one.json', JSON.stringify(jsonRow()));
    expect((await ws.run(['ingest', file])).code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 1, lines: 1 });
  });

  it('reads NDJSON by extension, and a broken line is a rejected row, not a broken file', async () => {
    const text = [JSON.stringify(jsonRow()), '', '{"ServiceDate": ', JSON.stringify(jsonRow({ subscriber: 'S2' }))].join('\n');
    const file = ws.file('rows.ndjson', text);
    const result = await ws.run(['ingest', file, '--format', 'json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ input_format: 'ndjson', rows_read: 3, rows_rejected: 1, claims_stored: 2 });
    expect(result.stderr).toMatch(/rows\.ndjson row 3: .*not valid JSON/);
  });

  it('refuses broken JSON as a whole, keeping nothing', async () => {
    const file = ws.file('broken.json', `[${JSON.stringify(jsonRow())}, {"ServiceDate": `);
    const result = await ws.run(['ingest', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('broken.json: cannot parse JSON');
    expect(await stored()).toMatchObject({ claims: 0 });
  });

  it('reads CSV from stdin when no file or - is given', async () => {
    const input = csv([cells()]);
    expect((await ws.run(['ingest'], { stdin: input })).code).toBe(0);
    expect((await ws.run(['ingest', '-'], { stdin: csv([cells({ subscriber: 'S2' })]) })).code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 2 });
  });

  it('reads JSON from stdin with --input-format', async () => {
    const result = await ws.run(['ingest', '--input-format', 'json'], { stdin: JSON.stringify([jsonRow()]) });
    expect(result.code).toBe(0);
    expect(await stored()).toMatchObject({ claims: 1 });
  });

  it('rejects a row with fewer or more fields than the header and goes on with the file', async () => {
    const rows = [cells({ subscriber: 'A' }), cells({ subscriber: 'B' }).slice(0, 9), [...cells({ subscriber: 'C' }), 'x'], cells({ subscriber: 'D' })];
    const file = ws.file('ragged.csv', csv(rows));
    const result = await ws.run(['ingest', file, '--format', 'json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ rows_read: 4, rows_rejected: 2, claims_stored: 2 });
    expect(result.stderr).toContain('ragged.csv row 3: row: row has 9 fields, the header has 10');
    expect(result.stderr).toContain('ragged.csv row 4: row: row has 11 fields, the header has 10');
  });

  it('reads several files in one run, each its own run', async () => {
    const a = ws.file('a.csv', csv([cells()]));
    const b = ws.file('b.json', JSON.stringify([jsonRow({ subscriber: 'S2' })]));
    const result = await ws.run(['ingest', a, b, '--format', 'json']);
    expect(result.code).toBe(0);
    const runs = JSON.parse(result.stdout);
    expect(runs.map((r: { input_format: string; run_id: number }) => [r.input_format, r.run_id])).toEqual([
      ['csv', 1],
      ['json', 2],
    ]);
  });
});

describe('JSON numbers read as written', () => {
  /** A JSON row whose given keys are written as bare JSON number literals (the text as it is). */
  const rowWithNumbers = (line: Parameters<typeof jsonRow>[0], numbers: Record<string, string>) => {
    let text = JSON.stringify({ ...jsonRow(line), ...Object.fromEntries(Object.keys(numbers).map((key) => [key, `@${key}@`])) });
    for (const [key, literal] of Object.entries(numbers)) text = text.replace(`"@${key}@"`, literal);
    return text;
  };
  const good = rowWithNumbers({}, { SubscriberNumber: '12345678901234567890', ProviderNPI: '1497775530' });
  const bad = rowWithNumbers({ subscriber: 'S2' }, { ProviderNPI: '14977755301234567891', ProviderFees: '90071992547409.91' });

  it.each([
    ['rows.json', `[${good},${bad}]`],
    ['rows.ndjson', `${good}\n${bad}\n`],
    ['one.json', good],
  ])('%s keeps every digit of a subscriber number and an NPI given as JSON numbers', async (name, text) => {
    const result = await ws.run(['ingest', ws.file(name, text), '--format', 'json']);
    expect(result.code).toBe(name === 'one.json' ? 0 : 3);
    const [claim] = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout);
    expect(claim).toMatchObject({ subscriber_number: '12345678901234567890', provider_npi: '1497775530' });
    if (name === 'one.json') return;
    expect(result.stderr).toContain('"14977755301234567891"');
    const [rejection] = JSON.parse((await ws.run(['report', 'rejections', '--format', 'json'])).stdout);
    const values = rejection.errors.map((e: { field: string; value: string }) => [e.field, e.value]);
    expect(values).toContainEqual(['provider_npi', '14977755301234567891']);
    expect(JSON.stringify(rejection)).toContain('90071992547409.91');
  });

  it('still refuses a malformed number in an NDJSON line as not valid JSON', async () => {
    const result = await ws.run(['ingest', ws.file('rows.ndjson', `${good}\n{"ProviderFees": 01}\n`), '--format', 'json']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/rows\.ndjson row 2: .*not valid JSON/);
  });
});

describe('inputs without a row object', () => {
  it.each([
    ['rows.json', '[1,2]'],
    ['rows.ndjson', '1\n2\n'],
  ])('%s of non-objects is refused for what it is, not as empty', async (name, text) => {
    const result = await ws.run(['ingest', ws.file(name, text), '--format', 'json']);
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([expect.stringContaining(`${name}: no row is a JSON object: nothing to read columns from`)]);
    expect(result.stderr).not.toContain('empty');
  });
});

describe('claims of many lines', () => {
  it('stores every line of claims of 1 to 20 lines, in input order with their rows', async () => {
    // Claims of every size around the count of lines one insert takes, each line's fee telling it apart.
    const sizes = [1, 7, 8, 9, 16, 17, 20];
    const rows = sizes.flatMap((size, claim) =>
      Array.from({ length: size }, (_, line) => cells({ subscriber: `S${claim}`, provider: `$${size}.${String(line).padStart(2, '0')}` })),
    );
    const input = ws.file('long.csv', csv(rows));
    expect((await ws.run(['ingest', input])).code).toBe(0);
    const lines = JSON.parse((await ws.run(['list', '--lines', '--format', 'json', '--limit', '1000'])).stdout) as {
      line_index: number;
      source_row: number;
      provider_fees: string;
    }[];
    expect(lines).toHaveLength(rows.length);
    const expected = sizes.flatMap((size) => Array.from({ length: size }, (_, line) => [line + 1, `${size}.${String(line).padStart(2, '0')}`]));
    expect(lines.map((l) => [l.line_index, l.provider_fees])).toEqual(expected);
    expect(lines.map((l) => l.source_row)).toEqual(rows.map((_, i) => i + 2));
  });
});
