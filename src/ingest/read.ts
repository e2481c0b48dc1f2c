import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsv } from 'csv-parse';
import { jsonDepthExceeds, MAX_JSON_DEPTH, MAX_RECORD_BYTES } from '../domain/limits.js';
import { InputRefusedError } from '../errors.js';
import type { InputFormat } from './formats.js';
import { PlainCsv } from './plain-csv.js';

export type { InputFormat } from './formats.js';

/**
 * One record of the input before any interpretation. CSV gives cells (the first record is the header);
 * JSON and NDJSON give one parsed value per row, or the reason a line could not be parsed.
 */
export type RawRecord =
  | { kind: 'cells'; row: number; cells: string[] }
  | { kind: 'value'; row: number; value: unknown }
  | { kind: 'unparsable'; row: number; text: string; message: string };

export const STDIN = '-';

/** Format from the flag, else from the file extension; stdin is CSV unless told. */
export function inputFormatFor(source: string, flag: InputFormat | undefined): InputFormat {
  if (flag) return flag;
  const lower = source.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  return 'csv';
}

/**
 * Streams the input's records in batches: one await per batch of records, not per record,
 * so parsing stays the cost rather than the event loop.
 */
export async function* readRecords(
  source: string,
  format: InputFormat,
  stdin: NodeJS.ReadableStream,
): AsyncGenerator<RawRecord[]> {
  const stream = source === STDIN ? Readable.from(stdin) : await openFile(source);
  try {
    switch (format) {
      case 'csv':
        yield* csvBatches(stream);
        break;
      case 'ndjson':
        yield* ndjsonBatches(stream);
        break;
      case 'json':
        yield* jsonBatches(stream, source);
        break;
    }
  } catch (error) {
    if (error instanceof InputRefusedError) throw error;
    if (error instanceof RecordTooLarge || error instanceof NestedTooDeep) throw new InputRefusedError(source, error.message);
    throw new InputRefusedError(source, `cannot parse ${format.toUpperCase()}: ${(error as Error).message}`);
  } finally {
    stream.destroy();
  }
}

async function openFile(path: string): Promise<Readable> {
  const stream = createReadStream(path);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(new InputRefusedError(path, `cannot read: ${error.message}`)));
  });
  return stream;
}

/** At most this many records are handed to the pipeline at once. */
const BATCH_SIZE = 2_000;

const MIB = MAX_RECORD_BYTES / (1024 * 1024);

/** A record beyond MAX_RECORD_BYTES: refused before it is held in memory (`/dev/zero` ends quickly). */
class RecordTooLarge extends Error {
  constructor(row: number) {
    super(`row ${row}: record larger than ${MIB} MiB`);
  }
}

class NestedTooDeep extends Error {
  constructor(row: number) {
    super(`row ${row}: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
}

/**
 * CSV records: the plain ones as PlainCsv reads them, chunk by chunk; from the first record of
 * another shape on, csv-parse's (its error messages count lines from the start of the input). An
 * input that starts with UTF-16's byte order mark is csv-parse's whole: it reads UTF-16 then.
 */
async function* csvBatches(stream: Readable): AsyncGenerator<RawRecord[]> {
  let held = 0;
  const { head, chunks } = await readAhead(stream[Symbol.asyncIterator](), (chunk) => (held += (chunk as { length: number }).length) >= UTF16_BOM.length);
  if (Buffer.isBuffer(head[0]) && Buffer.concat(head as Buffer[]).subarray(0, UTF16_BOM.length).equals(UTF16_BOM)) {
    return yield* parsedCsvBatches(Readable.from(chunks), 0, true);
  }
  const decoder = new StringDecoder('utf8');
  const plain = new PlainCsv();
  let row = 0;
  for (;;) {
    const next = await chunks.next();
    const records = next.done ? plain.read(decoder.end(), true) : plain.read(decoder.write(next.value as Buffer), false);
    if (records.length > 0) yield records.map((cells) => ({ kind: 'cells', row: ++row, cells }));
    if (plain.leftover !== null) {
      const rest = Readable.from(textFrom('\n'.repeat(plain.lines) + plain.leftover, next.done ? null : chunks, decoder));
      return yield* parsedCsvBatches(rest, row, false);
    }
    if (next.done) return;
  }
}

const UTF16_BOM = Buffer.from([0xff, 0xfe]);

/**
 * Reads the input's first chunks, until `enough` says of the last one that they suffice or the input
 * ends, and returns them with the whole input again from its first chunk.
 */
async function readAhead<T>(source: AsyncIterator<T>, enough: (chunk: T) => boolean): Promise<{ head: T[]; chunks: AsyncGenerator<T> }> {
  const head: T[] = [];
  let ended = false;
  for (;;) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    if (enough(next.value)) break;
  }
  async function* chunks() {
    yield* head;
    if (!ended) for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  return { head, chunks: chunks() };
}

/** `first`, then the rest of the input decoded. */
async function* textFrom(first: string, chunks: AsyncIterator<unknown> | null, decoder: StringDecoder): AsyncGenerator<string> {
  yield first;
  if (chunks === null) return;
  for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield decoder.write(next.value as Buffer);
  yield decoder.end();
}

/**
 * csv-parse's records, numbered after the `rowsBefore` already read; `fromStart` when it reads the
 * input from its first byte (its byte order mark then chooses UTF-8 or UTF-16, and is dropped).
 */
async function* parsedCsvBatches(stream: Readable, rowsBefore: number, fromStart: boolean): AsyncGenerator<RawRecord[]> {
  const parser = stream.pipe(
    parseCsv({
      // Otherwise PlainCsv has dropped a leading BOM already: another one is data.
      bom: fromStart,
      // A row with too few or too many fields is a bad row, not a bad file.
      relax_column_count: true,
      // A stray quote inside an unquoted value (5" crown) is data, not syntax.
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
      // Either line end, in any mix: csv-parse would otherwise take the first one it meets as the only
      // one, and glue an LF line of a CRLF file to the next.
      record_delimiter: ['\r\n', '\n'],
    }),
  );
  stream.once('error', (error) => parser.destroy(error));
  let row = rowsBefore;
  try {
    for await (const batch of readBatches<string[]>(parser)) {
      yield batch.map((cells) => ({ kind: 'cells', row: ++row, cells }));
    }
  } catch (error) {
    // Rows already handed over are counted; the oversized one is the next.
    if ((error as { code?: string }).code === 'CSV_MAX_RECORD_SIZE') throw new RecordTooLarge(row + 1);
    throw error;
  }
}

/** Drains whatever an object stream has buffered in one go, waiting only when it is empty. */
async function* readBatches<T>(readable: Readable): AsyncGenerator<T[]> {
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  const signal = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  readable.on('readable', signal);
  readable.once('end', () => {
    ended = true;
    signal();
  });
  readable.once('error', (error) => {
    failure = error;
    signal();
  });
  for (;;) {
    if (failure) throw failure;
    const batch: T[] = [];
    let item: T | null;
    while (batch.length < BATCH_SIZE && (item = readable.read() as T | null) !== null) batch.push(item);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (ended) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
}

/** Splits each chunk into lines as it arrives: one await per chunk, whatever the line count. */
async function* ndjsonBatches(stream: Readable): AsyncGenerator<RawRecord[]> {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let row = 0;
  const parseLines = (lines: string[]): RawRecord[] => {
    const records: RawRecord[] = [];
    for (const line of lines) {
      row++;
      const text = (row === 1 ? line.replace(/^\uFEFF/, '') : line).replace(/\r$/, '');
      if (text.trim() === '') continue;
      if (tooLarge(text)) throw new RecordTooLarge(row);
      if (jsonDepthExceeds(text)) throw new NestedTooDeep(row);
      try {
        records.push({ kind: 'value', row, value: parseKeepingNumbers(text) });
      } catch (error) {
        records.push({ kind: 'unparsable', row, text, message: `not valid JSON (${(error as Error).message})` });
      }
    }
    return records;
  };
  for await (const chunk of stream) {
    const lines = (partial + decoder.write(chunk as Buffer)).split('\n');
    partial = lines.pop()!;
    const records = parseLines(lines);
    // A line that never ends is refused as soon as it is too large, not when memory runs out.
    if (tooLarge(partial)) throw new RecordTooLarge(row + 1);
    yield records;
  }
  yield parseLines([partial + decoder.end()]);
}

/**
 * A JSON array is streamed element by element; a single top-level object is one row.
 * Broken JSON cannot be resynchronised, so it refuses the input.
 */
async function* jsonBatches(stream: Readable, source: string): AsyncGenerator<RawRecord[]> {
  const { first, rest } = await peekFirstChar(stream);
  if (first === '{') {
    let text = '';
    for await (const chunk of rest) {
      text += chunk.toString();
      if (tooLarge(text)) throw new RecordTooLarge(1);
    }
    if (jsonDepthExceeds(text)) throw new NestedTooDeep(1);
    yield [{ kind: 'value', row: 1, value: parseKeepingNumbers(text.replace(/^\uFEFF/, '')) }];
    return;
  }
  if (first !== '[') {
    throw new InputRefusedError(source, 'JSON input must be an array of row objects or one row object');
  }
  // Loaded for a JSON array only: CSV and NDJSON inputs do without it.
  const { default: streamArray } = await import('stream-json/streamers/stream-array.js');
  const guarded = rest.pipe(arrayGuard());
  // Numbers as their source text: a float would round a 20-digit subscriber number or an amount.
  const elements = guarded.pipe(streamArray.withParserAsStream({ numberAsString: true }));
  rest.once('error', (error) => guarded.destroy(error));
  guarded.once('error', (error) => elements.destroy(error));
  for await (const batch of readBatches<{ key: number; value: unknown }>(elements)) {
    yield batch.map((item) => ({ kind: 'value', row: item.key + 1, value: item.value }));
  }
}

/**
 * JSON.parse, but every number is the text it was written as (a string): the contract reads JSON
 * numbers as written, and a float would turn 12345678901234567890 into 12345678901234567000. Each
 * number literal outside strings is quoted before parsing; a malformed one (01, 1.) is left as it
 * is, so JSON.parse still refuses it.
 */
export function parseKeepingNumbers(text: string): unknown {
  let quoted = '';
  let copiedTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      let end = i + 1;
      while (end < text.length && NUMBER_CHAR.test(text[end]!)) end++;
      const literal = text.slice(i, end);
      if (NUMBER.test(literal)) {
        quoted += `${text.slice(copiedTo, i)}"${literal}"`;
        copiedTo = end;
      }
      i = end - 1;
    }
  }
  return JSON.parse(copiedTo === 0 ? text : quoted + text.slice(copiedTo));
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const NUMBER_CHAR = /[-+.0-9eE]/;
/** A JSON number literal (RFC 8259). */
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/;

/** Whether a record's text is beyond MAX_RECORD_BYTES; the byte count is only taken when it could be. */
function tooLarge(text: string): boolean {
  return text.length > MAX_RECORD_BYTES / 3 && Buffer.byteLength(text) > MAX_RECORD_BYTES;
}

/**
 * Passes a top-level JSON array through unchanged while watching it byte by byte: the nesting depth
 * (stream-json and JSON.stringify would otherwise recurse or build arbitrarily deep values) and the
 * size of each element, refused before either is parsed.
 */
function arrayGuard(): Transform {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = 1;
  let elementBytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      for (const byte of chunk) {
        if (depth >= 1) elementBytes++;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === 0x5c) escaped = true;
          else if (byte === 0x22) inString = false;
        } else if (byte === 0x22) inString = true;
        else if (byte === 0x5b || byte === 0x7b) {
          if (++depth > MAX_JSON_DEPTH) return done(new NestedTooDeep(element));
        } else if (byte === 0x5d || byte === 0x7d) depth--;
        else if (byte === 0x2c && depth === 1) {
          element++;
          elementBytes = 0;
        }
        if (elementBytes > MAX_RECORD_BYTES) return done(new RecordTooLarge(element));
      }
      done(null, chunk);
    },
  });
}

/** Reads until the first non-blank character and returns it with a stream that still starts at byte 0. */
async function peekFirstChar(stream: Readable): Promise<{ first: string | undefined; rest: Readable }> {
  let seenBytes = 0;
  let first: string | undefined;
  const { chunks } = await readAhead(asBuffers(stream), (chunk) => {
    seenBytes += chunk.length;
    first = chunk.toString('utf8').replace(/^\uFEFF/, '').trimStart()[0];
    // Endless blanks are an input without a value, not a reason to wait for ever.
    if (first === undefined && seenBytes > MAX_RECORD_BYTES) throw new RecordTooLarge(1);
    return first !== undefined;
  });
  return { first, rest: Readable.from(chunks) };
}

/** A stream's chunks as bytes: the array guard reads bytes. */
async function* asBuffers(stream: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
}
