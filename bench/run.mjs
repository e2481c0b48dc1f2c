#!/usr/bin/env node
// Ingest benchmark: N claim lines through `claims ingest` against `sqlite3 .import` of the same
// file into one plain table (the floor for getting CSV rows into SQLite), with peak memory.
// Usage: npm run bench [-- --lines 1000000 --runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeClaimsFile } from './claims-file.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { lines: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' } },
});
const lines = Number(values.lines);
const runs = Number(values.runs);

/** Wall seconds and peak resident memory (MiB) of one process, as /usr/bin/time measures them. */
function measure(command, args, options = {}) {
  const result = spawnSync('/usr/bin/time', ['-f', '%e %M', command, ...args], { encoding: 'utf8', ...options });
  if (result.status !== 0 && result.status !== 3) {
    throw new Error(`${command} failed (${result.status}): ${result.stderr}`);
  }
  const [seconds, kib] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  return { seconds, mib: kib / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const input = join(root, 'bench', 'data', `lines-${lines}.csv`);
if (!existsSync(input)) {
  console.error(`generating ${input} ...`);
  await writeClaimsFile(input, lines);
}
console.error(`input: ${lines.toLocaleString('en-US')} lines, ${(statSync(input).size / 2 ** 20).toFixed(1)} MiB; ${runs} runs each`);

const claimsRuns = [];
const importRuns = [];
for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), 'claims-bench-'));
  try {
    claimsRuns.push(
      measure(process.execPath, [join(root, 'bin/claims'), 'ingest', input, '--db', join(dir, 'claims.db'), '-q', '--log-level', 'warn']),
    );
    const importScript = join(dir, 'import.sql');
    writeFileSync(importScript, `PRAGMA journal_mode=WAL;\n.mode csv\n.import ${input} lines\n`);
    importRuns.push(measure('sqlite3', [join(dir, 'import.db'), `.read ${importScript}`]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const claimsSeconds = median(claimsRuns.map((r) => r.seconds));
const importSeconds = median(importRuns.map((r) => r.seconds));
const report = {
  lines,
  claims_ingest_seconds: claimsSeconds,
  claims_lines_per_second: Math.round(lines / claimsSeconds),
  claims_peak_mib: Math.round(Math.max(...claimsRuns.map((r) => r.mib))),
  sqlite3_import_seconds: importSeconds,
  ratio_to_sqlite3_import: Number((claimsSeconds / importSeconds).toFixed(2)),
  node: process.version,
  sqlite3: execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).split(' ')[0],
};
console.log(JSON.stringify(report, null, 2));
