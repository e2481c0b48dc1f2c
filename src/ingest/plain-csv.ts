/**
 * The records of CSV text in the shape exports have (fields unquoted, or quoted whole with `""` for a
 * quote), read with the string's own searches: csv-parse builds every field byte by byte, a quarter of
 * an ingest's main thread at 1M lines. It reads them exactly as read.ts's csv-parse options would
 * (a leading BOM dropped, CRLF or LF record ends, empty lines skipped, any number of fields, a quote
 * inside an unquoted field kept as data), and gives up at the first record of another shape, or too
 * long to be sure of csv-parse's size limit: csv-parse reads the text from that record on. Pure: text in, records out.
 */

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = 0xfeff;

/** A record (or the text of an unfinished one) longer than this is left to csv-parse, which counts its bytes: a UTF-16 unit is at most 3 bytes. */
const PLAIN_RECORD_UNITS = 1024 * 1024 / 3;

/** What a record read from `at` came to, when not a record. */
const UNFINISHED = 'unfinished';
const NOT_PLAIN = 'not plain';

export class PlainCsv {
  /** The text read but not yet made records: it starts where a record starts. */
  private unread = '';
  private started = false;
  /**
   * csv-parse's line count over the text made records, empty lines included, for its error messages
   * once it takes over: one per record end (CRLF or LF), one per CR elsewhere outside quotes, one
   * per CR and per LF inside quotes.
   */
  lines = 0;
  /** Once a record is not plain: the text from it on, for csv-parse. */
  leftover: string | null = null;

  /**
   * The records completed by `chunk` (the end of the input when `final`), in order. Once `leftover`
   * is set, it returns the records before that point and takes no more text.
   */
  read(chunk: string, final: boolean): string[][] {
    let text = this.unread + chunk;
    if (!this.started) {
      if (text.length === 0 && !final) return [];
      this.started = true;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    const records: string[][] = [];
    const length = text.length;
    let at = 0;
    // The next quote and CR at or after `at`, searched again only once passed (-1: none in the text).
    let nextQuote = text.indexOf('"');
    let nextCr = text.indexOf('\r');
    while (at < length) {
      const first = text.charCodeAt(at);
      if (first === LF || (first === CR && at + 1 < length && text.charCodeAt(at + 1) === LF)) {
        at += first === LF ? 1 : 2;
        this.lines++;
        continue;
      }
      let lineEnd = text.indexOf('\n', at);
      if (lineEnd === -1) {
        if (!final) break;
        lineEnd = length;
      }
      if (lineEnd - at > PLAIN_RECORD_UNITS) return this.giveUp(records, text, at);
      if (nextQuote !== -1 && nextQuote < at) nextQuote = text.indexOf('"', at);
      if (nextQuote === -1 || nextQuote > lineEnd) {
        const end = valueEnd(text, at, lineEnd);
        records.push(text.slice(at, end).split(','));
        if (lineEnd < length) this.lines++;
        if (nextCr !== -1 && nextCr < at) nextCr = text.indexOf('\r', at);
        while (nextCr !== -1 && nextCr < end) {
          this.lines++;
          nextCr = text.indexOf('\r', nextCr + 1);
        }
        at = lineEnd + 1;
        continue;
      }
      const record = quotedRecord(text, at, final);
      if (record === UNFINISHED) break;
      if (record === NOT_PLAIN || record.next - at > PLAIN_RECORD_UNITS) return this.giveUp(records, text, at);
      records.push(record.fields);
      this.lines += record.lines;
      at = record.next;
    }
    this.unread = at === 0 ? text : text.slice(at);
    if (this.unread.length > PLAIN_RECORD_UNITS) return this.giveUp(records, this.unread, 0);
    return records;
  }

  private giveUp(records: string[][], text: string, at: number): string[][] {
    this.leftover = text.slice(at);
    this.unread = '';
    return records;
  }
}

interface QuotedRecord {
  fields: string[];
  /** Where the next record starts. */
  next: number;
  /** csv-parse's line count over it (see PlainCsv.lines). */
  lines: number;
}

/**
 * The record starting at `at` of a line holding a quote, or UNFINISHED (more text needed), or
 * NOT_PLAIN (a quote csv-parse's relaxed rules read otherwise, or one unclosed at the end).
 */
function quotedRecord(text: string, at: number, final: boolean): QuotedRecord | typeof UNFINISHED | typeof NOT_PLAIN {
  const length = text.length;
  const fields: string[] = [];
  let lines = 0;
  let start = at;
  for (;;) {
    if (text.charCodeAt(start) === QUOTE) {
      let close = start + 1;
      let doubled = false;
      for (;;) {
        close = text.indexOf('"', close);
        if (close === -1) return final ? NOT_PLAIN : UNFINISHED;
        if (close + 1 === length && !final) return UNFINISHED;
        if (text.charCodeAt(close + 1) !== QUOTE) break;
        doubled = true;
        close += 2;
      }
      const value = text.slice(start + 1, close);
      fields.push(doubled ? value.replaceAll('""', '"') : value);
      lines += count(value, CR) + count(value, LF);
      const after = close + 1;
      if (after === length) return { fields, next: after, lines };
      const next = text.charCodeAt(after);
      if (next === COMMA) {
        start = after + 1;
        // A delimiter at the very end: one more, empty, field.
        if (start === length && final) {
          fields.push('');
          return { fields, next: start, lines };
        }
        continue;
      }
      if (next === LF) return { fields, next: after + 1, lines: lines + 1 };
      if (next === CR && after + 1 < length && text.charCodeAt(after + 1) === LF) return { fields, next: after + 2, lines: lines + 1 };
      if (next === CR && after + 1 === length && !final) return UNFINISHED;
      return NOT_PLAIN;
    }
    let lineEnd = text.indexOf('\n', start);
    if (lineEnd === -1) {
      if (!final) return UNFINISHED;
      lineEnd = length;
    }
    const comma = text.indexOf(',', start);
    if (comma !== -1 && comma < lineEnd) {
      const value = text.slice(start, comma);
      fields.push(value);
      lines += count(value, CR);
      start = comma + 1;
      if (start === length) {
        fields.push('');
        return { fields, next: start, lines };
      }
      continue;
    }
    const end = valueEnd(text, start, lineEnd);
    const value = text.slice(start, end);
    fields.push(value);
    lines += count(value, CR);
    return lineEnd < length ? { fields, next: lineEnd + 1, lines: lines + 1 } : { fields, next: length, lines };
  }
}

/** Where a value from `start` ends at the line end `lineEnd`: before its CR when the line ends in CRLF (a CR at the end of the input is data). */
function valueEnd(text: string, start: number, lineEnd: number): number {
  return lineEnd < text.length && lineEnd > start && text.charCodeAt(lineEnd - 1) === CR ? lineEnd - 1 : lineEnd;
}

function count(text: string, code: number): number {
  let found = 0;
  for (let at = 0; at < text.length; at++) if (text.charCodeAt(at) === code) found++;
  return found;
}
