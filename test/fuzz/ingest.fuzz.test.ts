import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/cli.js';
import { cells, csv, jsonRow } from '../helpers/inputs.js';
import { runMain } from '../helpers/main.js';

/**
 * Mutated CSV, JSON and NDJSON inputs through `claims ingest -` in this process: whatever the bytes,
 * the input is stored, rejected row by row or refused (exit 0, 3 or 1) with a one-line message, never
 * a stack trace, a hang or unbounded memory. Seeded, so a failure replays the same way.
 */

const SEED = 20261127;
const MAX_CASE_MS = 10_000;
const MAX_HEAP_GROWTH = 256 * 1024 * 1024;
const STACK_TRACE = /\n\s+at \S|\bat .+:\d+:\d+\)?$/m;

type Format = 'csv' | 'json' | 'ndjson';

function baseInput(format: Format, rows: number): string {
  const lines = Array.from({ length: rows }, (_, i) => cells({ procedure: `D${1000 + i}`, subscriber: `S${i % 3}` }));
  if (format === 'csv') return csv(lines);
  const objects = Array.from({ length: rows }, (_, i) => jsonRow({ procedure: `D${1000 + i}`, subscriber: `S${i % 3}` }));
  return format === 'json' ? JSON.stringify(objects) : objects.map((o) => JSON.stringify(o)).join('\n') + '\n';
}

const CONTROL = ['\u0000', '\u0001', '\u001b', '\u007f', '\t', '\r', '\n', '\r\n', '\ufeff', '\u2028'];
const SYNTAX = ['"', '""', ',', ';', '[', ']', '{', '}', ':', '\\', '"\n', '$', '-', '=', '@', '+'];
const NUMBERS = ['$90071992547409.91', '99999999999999999999', '1e308', '-0', '1,000,000.001', 'NaN', '9007199254740993', '$1,000,000.00'];

type Mutation = (text: string) => string;

const at = (position: number, text: string) => Math.floor(position * (text.length + 1));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
    ([p, bytes]) => (t: string) => t.slice(0, at(p, t)) + Buffer.from(bytes).toString('latin1') + t.slice(at(p, t)),
  ),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 40 })).map(
    ([p, n]) => (t: string) => t.slice(0, at(p, t)) + t.slice(at(p, t) + n),
  ),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(...CONTROL, ...SYNTAX, ...NUMBERS)).map(
    ([p, s]) => (t: string) => t.slice(0, at(p, t)) + s + t.slice(at(p, t)),
  ),
  fc.constantFrom(...NUMBERS).map((n) => (t: string) => t.replace(/\$?\d+\.\d\d/, n)),
  fc
    .tuple(
      fc.constantFrom(['[', ']'], ['{"a":', '}'], ['[{"a":', '}]']),
      fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2000 }), weight: 9 }, { arbitrary: fc.constant(100_000), weight: 1 }),
      fc.constantFrom('open', 'balanced', 'whole'),
    )
    .map(([[open, close], depth, shape]) => (t: string) => {
      const nested = open!.repeat(depth) + (shape === 'balanced' ? `1${close!.repeat(depth)},` : '');
      if (shape === 'whole') return nested;
      const i = t.indexOf('{"', 1);
      return i < 0 ? nested + t : t.slice(0, i) + nested + t.slice(i);
    }),
  fc.constant((t: string) => `\ufeff${t}`),
  fc.constant((t: string) => t.replaceAll('\n', '\r\n')),
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('x', '"', ',', '9', ' ', '\u0000')).map(
    ([p, n, c]) => (t: string) => t.slice(0, at(p, t)) + c.repeat(n) + t.slice(at(p, t)),
  ),
);

const mutatedInput = fc
  .record({
    format: fc.constantFrom<Format>('csv', 'json', 'ndjson'),
    rows: fc.integer({ min: 1, max: 6 }),
    mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  })
  .map(({ format, rows, mutations }) => ({ format, text: mutations.reduce((t, m) => m(t), baseInput(format, rows)) }));

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.remove());

async function ingestChecked(format: Format, text: string, args: string[]): Promise<void> {
  const started = Date.now();
  const result = await runMain(['ingest', '-', '--input-format', format, '-q', ...args], { stdin: text });
  expect([0, 1, 3]).toContain(result.code);
  expect(result.stderr).not.toMatch(STACK_TRACE);
  expect(result.stderr).not.toMatch(/unexpected error/);
  expect(Date.now() - started).toBeLessThan(MAX_CASE_MS);
}

describe('ingest fuzzing', () => {
  it('validates 1,000 mutated inputs without a crash, a hang or unbounded memory (dry run)', async () => {
    const heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(mutatedInput, ({ format, text }) => ingestChecked(format, text, ['--dry-run', '--db', ws.path('none.db')])),
      { numRuns: 1_000, seed: SEED },
    );
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(MAX_HEAP_GROWTH);
  }, 120_000);

  it('stores, rejects or refuses 100 mutated inputs in one database, and the reports still read', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedInput, ({ format, text }) => ingestChecked(format, text, ['--db', ws.db])),
      { numRuns: 100, seed: SEED + 1 },
    );
    for (const args of [['report', 'summary'], ['report', 'top-providers'], ['report', 'rejections'], ['list']]) {
      const result = await runMain([...args, '--db', ws.db, '--format', 'csv']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('');
    }
  }, 120_000);
});
