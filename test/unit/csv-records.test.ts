import { Readable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../../src/domain/limits.js';
import { readRecords } from '../../src/ingest/read.js';

/** The CSV reading the contract's inputs were first read with, whole: the reference for every input. */
const CSV_PARSE_OPTIONS = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  skip_empty_lines: true,
  record_delimiter: ['\r\n', '\n'],
};

type Outcome = { records: string[][] } | { error: string };

function expected(bytes: Buffer): Outcome {
  try {
    return { records: parse(bytes, CSV_PARSE_OPTIONS) as string[][] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** What `claims` reads from the bytes, handed over in chunks that end at `cuts`. */
async function read(bytes: Buffer, cuts: number[] = []): Promise<Outcome> {
  const ends = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const end of [...ends, bytes.length]) {
    if (end > from) chunks.push(bytes.subarray(from, end));
    from = Math.max(from, end);
  }
  const records: string[][] = [];
  try {
    for await (const batch of readRecords('-', 'csv', Readable.from(chunks))) {
      for (const record of batch) {
        expect(record).toMatchObject({ kind: 'cells', row: records.length + 1 });
        if (record.kind === 'cells') records.push(record.cells);
      }
    }
    return { records };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function sameAs(outcome: Outcome, reference: Outcome): void {
  if ('error' in reference) {
    expect(outcome).toHaveProperty('error');
    expect((outcome as { error: string }).error).toContain(reference.error);
  } else expect(outcome).toEqual(reference);
}

/** Text made of what changes how CSV reads: delimiters, quotes, both line ends, a BOM, multi-byte and broken UTF-8. */
const csvText = fc
  .array(
    fc.oneof(
      fc.constantFrom(',', '"', '""', '\r', '\n', '\r\n', ' ', 'a', '1', '$1,0.5', '\uFEFF', 'é', '€', '\u{1F9B7}'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) => Buffer.from(parts.join('')));
const brokenUtf8 = fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes));

describe('reading CSV', () => {
  it('reads every input, in any chunks, as csv-parse reads it whole: records, rows and errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvText, brokenUtf8), fc.array(fc.nat(), { maxLength: 6 }), async (bytes, cuts) => {
        sameAs(await read(bytes, cuts), expected(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it('reads plain lines, quoted fields and an odd quote late in the input alike', async () => {
    const plain = 'a,b,c\r\n'.repeat(5000);
    for (const tail of ['x,"y""z",w\n', 'x,"y"z,w\n', 'x,"unclosed\n', 'x,5" crown,w\r\n', '"a\r\nb",c']) {
      const bytes = Buffer.from(`${plain}\n${tail}d,e\n`);
      sameAs(await read(bytes, [65536, 70001]), expected(bytes));
    }
  });

  it("reads an input that starts with UTF-16's byte order mark as UTF-16, in any chunks", async () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('a,b\r\n1,"é, ê"\r\n', 'utf16le')]);
    sameAs(await read(bytes), expected(bytes));
    for (const cuts of [[1], [1, 2, 3], [5]]) expect(await read(bytes, cuts)).toEqual({ records: [['a', 'b'], ['1', 'é, ê']] });
  });

  it('reads a stream of text as well as one of bytes', async () => {
    const records: string[][] = [];
    for await (const batch of readRecords('-', 'csv', Readable.from(['\uFEFFa,"b\n', 'c"\r\n1,2\n']))) {
      for (const record of batch) if (record.kind === 'cells') records.push(record.cells);
    }
    expect(records).toEqual([['a', 'b\nc'], ['1', '2']]);
  });

  it('refuses a record over the size limit, naming its row, after reading the ones before it', async () => {
    for (const record of [`"${'x'.repeat(MAX_RECORD_BYTES + 2)}"`, 'y'.repeat(MAX_RECORD_BYTES + 2), 'é'.repeat(MAX_RECORD_BYTES / 2 + 1)]) {
      const outcome = await read(Buffer.from(`a,b\n1,2\n${record}\n3,4\n`), [1000, 300_000]);
      expect('error' in outcome ? outcome.error : `${outcome.records.length} records`).toContain('row 3: record larger than 1 MiB');
    }
    const largest = `${'é'.repeat(MAX_RECORD_BYTES / 2 - 8)}`;
    const outcome = await read(Buffer.from(`a\n${largest}\n`));
    expect('records' in outcome && outcome.records.map((cells) => cells.map((cell) => cell.length))).toEqual([[1], [largest.length]]);
  });
});
