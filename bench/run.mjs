#!/usr/bin/env node
// The speed benchmark of issue 9, in one run, each figure against a reference measured in the same
// run (these machines are noisy: only ratios taken together count):
// - `claims ingest` of the realistic file (bench/realistic.mjs) into a fresh database, no NATS,
//   against `sqlite3 .import` of the same CSV into one plain table and `sqlite-utils insert --csv`
//   when installed; peak RSS at --lines, and at 5× that with --memory. After every timed ingest the
//   stored claims, lines, rejected rows and net fee (`report summary`) must equal the generator's
//   own totals, or the bench fails;
// - `report top-providers` (with and without --from/--to) and `report summary` on that database,
//   against `claims --version`; `claims --version` and `--help` against `node -e 0`;
// - publishing (bench/events.mjs): what `ingest --nats` adds and `replay`, against a raw pipelined
//   publish of as many events from the same client;
// - `--only postgres`: `claims ingest` of the same file into a fresh PostgreSQL database (made and
//   dropped on --pg-url's server, checked like SQLite's) against the SQLite ingest and a plain
//   `psql \copy` of the CSV into one text table, in the same run.
// Medians of --runs. Usage: npm run bench [-- --lines 1000000 --runs 3 --memory --format json --only ingest,reports,startup,events]
// Reports on a large database built once: --only reports,startup --report-db PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureEvents } from './events.mjs';
import { realisticFile } from './realistic.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'claims');
const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    bad: { type: 'string', default: '0' },
    memory: { type: 'boolean', default: false },
    'event-lines': { type: 'string', default: '100000' },
    'in-flight': { type: 'string', default: '256' },
    'skip-events': { type: 'boolean', default: false },
    format: { type: 'string', default: 'table' },
    only: { type: 'string', default: 'ingest,reports,startup,memory,events' },
    // Reports on this existing database (left as it is, migrated on first open) instead of a fresh ingest.
    'report-db': { type: 'string' },
    'pg-url': { type: 'string', default: process.env.PG_BENCH_URL ?? 'postgres://postgres@127.0.0.1:5432' },
  },
});
const lines = Number(values.lines);
const runs = Number(values.runs);
const seed = Number(values.seed);
const bad = Number(values.bad);
if (!['table', 'json'].includes(values.format)) throw new Error(`--format table|json, not ${values.format}`);
// Which parts to run (comma-separated), so one part can be measured alone while it is worked on.
const only = new Set(values.only.split(','));
const log = (message) => console.error(`[bench] ${message}`);

/** Wall seconds and peak resident memory (MiB, /usr/bin/time's %M) of one process. */
function measure(command, args, { okCodes = [0] } = {}) {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const seconds = (performance.now() - started) / 1000;
  if (!okCodes.includes(result.status)) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  }
  const kib = Number(result.stderr.trim().split('\n').pop());
  return { seconds, mib: kib / 1024 };
}

const claimsArgs = (...args) => [bin, ...args];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Fails the bench when what `claims` stored differs from what the generator wrote. */
function checkStored(db, totals) {
  const summary = JSON.parse(
    execFileSync(process.execPath, claimsArgs('report', 'summary', '--db', db, '--format', 'json'), { encoding: 'utf8' }),
  );
  const expected = { claims: totals.claims, lines: totals.stored_lines, rows_rejected: totals.rejected_rows, net_fee_cents: totals.net_fee_cents };
  const wrong = Object.entries(expected).filter(([key, value]) => summary[key] !== value);
  if (wrong.length > 0) {
    const detail = wrong.map(([key, value]) => `${key}: stored ${summary[key]}, generated ${value}`).join('; ');
    throw new Error(`CHECK FAILED: ${totals.path}: ${detail}`);
  }
}

/** One timed `claims ingest` into a fresh database, checked; the database is kept in `dir`. */
function timedIngest(dir, totals) {
  const db = join(dir, 'claims.db');
  // Exit 3: rows were rejected (the --bad rows), the rest is stored.
  const result = measure(process.execPath, claimsArgs('ingest', totals.path, '--db', db, '-q', '--log-level', 'warn'), {
    okCodes: totals.rejected_rows > 0 ? [3] : [0],
  });
  checkStored(db, totals);
  return { ...result, db };
}

const sqliteUtils = spawnSync('sqlite-utils', ['--version'], { encoding: 'utf8' }).status === 0;

const totals = await realisticFile({ lines, seed, bad });
const sizeMib = statSync(totals.path).size / 2 ** 20;
log(`input ${totals.path}: ${lines.toLocaleString('en-US')} lines, ${totals.claims.toLocaleString('en-US')} claims, ${sizeMib.toFixed(1)} MiB; ${runs} runs each`);

const work = mkdtempSync(join(tmpdir(), 'claims-bench-'));
const rows = [];
const results = { lines, claims: totals.claims, runs, seed, bad_rows: bad, input_mib: Number(sizeMib.toFixed(1)) };
try {
  // 1. Ingest against the floors, alternating within each run.
  let db;
  const perLine = `${lines.toLocaleString('en-US')} lines`;
  if (only.has('ingest')) db = measureIngest();
  else if (values['report-db']) db = values['report-db'];
  else if (only.has('reports')) db = timedIngest(mkdtempSync(join(work, 'ingest-')), totals).db;

  // 2. Reports on the last ingest's database, and start-up, against their references.
  if (only.has('reports') || only.has('startup')) measureQuick(db);

  // 3. Peak memory at 5× the lines: one checked ingest (it must stay flat).
  if (values.memory) {
    const big = await realisticFile({ lines: 5 * lines, seed, bad });
    log(`memory: ingest of ${big.lines.toLocaleString('en-US')} lines`);
    const dir = mkdtempSync(join(work, 'memory-'));
    const ingest = timedIngest(dir, big);
    rmSync(dir, { recursive: true, force: true });
    results.memory = { lines: big.lines, seconds: ingest.seconds, peak_mib: ingest.mib };
    const atLines = results.ingest ? `at ${perLine}: ${mib(results.ingest.peak_mib)}` : '';
    const growth = results.ingest ? ratio(ingest.mib / results.ingest.peak_mib) : '';
    rows.push(['ingest peak RSS', `${big.lines.toLocaleString('en-US')} lines`, mib(ingest.mib), atLines, growth, 'flat, ≤ 120 MiB']);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Timed ingests against `sqlite3 .import` (and sqlite-utils); returns the last run's database. */
function measureIngest() {
  const perLine = `${lines.toLocaleString('en-US')} lines`;
  const ingests = [];
  const imports = [];
  const utils = [];
  let db;
  for (let run = 0; run < runs; run++) {
    log(`ingest run ${run + 1}/${runs}`);
    const dir = mkdtempSync(join(work, 'ingest-'));
    const ingest = timedIngest(dir, totals);
    ingests.push(ingest);
    if (db) rmSync(dirname(db), { recursive: true, force: true });
    db = ingest.db;
    const script = join(dir, 'import.sql');
    writeFileSync(script, `PRAGMA journal_mode=WAL;\n.mode csv\n.import ${totals.path} lines\n`);
    imports.push(measure('sqlite3', [join(dir, 'import.db'), `.read ${script}`]));
    rmSync(join(dir, 'import.db'), { force: true });
    if (sqliteUtils) {
      utils.push(measure('sqlite-utils', ['insert', join(dir, 'utils.db'), 'lines', totals.path, '--csv']));
      rmSync(join(dir, 'utils.db'), { force: true });
    }
  }
  const ingestRatios = ingests.map((r, i) => r.seconds / imports[i].seconds);
  results.ingest = {
    claims_seconds: median(ingests.map((r) => r.seconds)),
    sqlite3_import_seconds: median(imports.map((r) => r.seconds)),
    ratio_to_sqlite3_import: median(ingestRatios),
    lines_per_second: Math.round(lines / median(ingests.map((r) => r.seconds))),
    peak_mib: Math.max(...ingests.map((r) => r.mib)),
    ...(sqliteUtils
      ? {
          sqlite_utils_seconds: median(utils.map((r) => r.seconds)),
          ratio_to_sqlite_utils: median(ingests.map((r, i) => r.seconds / utils[i].seconds)),
        }
      : { sqlite_utils_seconds: null }),
  };
  rows.push(['ingest, no NATS', perLine, sec(results.ingest.claims_seconds), `sqlite3 .import ${sec(results.ingest.sqlite3_import_seconds)}`, ratio(results.ingest.ratio_to_sqlite3_import), '≤ 3.0× (2.0×)']);
  if (sqliteUtils) {
    rows.push(['ingest, no NATS', perLine, sec(results.ingest.claims_seconds), `sqlite-utils insert --csv ${sec(results.ingest.sqlite_utils_seconds)}`, ratio(results.ingest.ratio_to_sqlite_utils), '']);
  } else {
    log('sqlite-utils is not installed: its row is skipped');
  }
  rows.push(['ingest peak RSS', `${lines.toLocaleString('en-US')} lines`, mib(results.ingest.peak_mib), '', '', '≤ 120 MiB']);
  return db;
}

/** Reports on `db` against `claims --version`, and start-up against `node -e 0`. */
function measureQuick(db) {
  const perLine = values['report-db'] ? reportDbSize(db) : `${lines.toLocaleString('en-US')} lines`;
  const cases = {
    version: ['--version'],
    help: ['--help'],
    ...(only.has('reports')
      ? {
          top_providers: ['report', 'top-providers', '--db', db, '--format', 'csv'],
          top_providers_dated: ['report', 'top-providers', '--from', '2024-01-01', '--to', '2024-12-31', '--db', db, '--format', 'csv'],
          summary: ['report', 'summary', '--db', db, '--format', 'csv'],
        }
      : {}),
  };
  const quick = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  const node = [];
  for (let run = 0; run < runs; run++) {
    log(`reports and start-up, run ${run + 1}/${runs}`);
    node.push(measure(process.execPath, ['-e', '0']).seconds);
    for (const [name, args] of Object.entries(cases)) quick[name].push(measure(process.execPath, claimsArgs(...args)).seconds);
  }
  const against = (name, reference) => median(quick[name].map((s, i) => s / reference[i]));
  results.startup = {
    node_e_0_seconds: median(node),
    version_seconds: median(quick.version),
    help_seconds: median(quick.help),
    version_to_node: against('version', node),
    help_to_node: against('help', node),
  };
  if (only.has('reports')) {
    results.reports = Object.fromEntries(
      ['top_providers', 'top_providers_dated', 'summary'].flatMap((name) => [
        [`${name}_seconds`, median(quick[name])],
        [`${name}_to_version`, against(name, quick.version)],
      ]),
    );
    const version = `claims --version ${sec(results.startup.version_seconds)}`;
    rows.push(['report top-providers', perLine, sec(results.reports.top_providers_seconds), version, ratio(results.reports.top_providers_to_version), '≤ 2×']);
    rows.push(['report top-providers --from/--to (2024)', perLine, sec(results.reports.top_providers_dated_seconds), version, ratio(results.reports.top_providers_dated_to_version), '≤ 2×']);
    rows.push(['report summary', perLine, sec(results.reports.summary_seconds), version, ratio(results.reports.summary_to_version), '≤ 2×']);
  }
  if (only.has('startup')) {
    const nodeCell = `node -e 0 ${sec(results.startup.node_e_0_seconds)}`;
    rows.push(['claims --version', '', sec(results.startup.version_seconds), nodeCell, ratio(results.startup.version_to_node), '≤ 1.3×']);
    rows.push(['claims --help', '', sec(results.startup.help_seconds), nodeCell, ratio(results.startup.help_to_node), '≤ 1.3×']);
  }
}

/** What --report-db holds, from its own summary (its first open also migrates it, outside the timings). */
function reportDbSize(db) {
  const summary = JSON.parse(execFileSync(process.execPath, claimsArgs('report', 'summary', '--db', db, '--format', 'json'), { encoding: 'utf8' }));
  return `${summary.lines.toLocaleString('en-US')} lines (${summary.claims.toLocaleString('en-US')} claims) in ${db}`;
}

// 4. Publishing, with its own servers and file.
if (only.has('events') && !values['skip-events']) {
  const events = await measureEvents({ lines: Number(values['event-lines']), seed, runs, inFlight: Number(values['in-flight']), log: (m) => log(m) });
  results.events = events;
  const count = `${events.events.toLocaleString('en-US')} events`;
  const raw = `raw publish ${rate(events.raw_events_per_second)} (${events.in_flight} in flight)`;
  rows.push(['publishing during ingest --nats', count, `${sec(events.publishing_adds_seconds)} added = ${rate(events.publishing_events_per_second)}`, raw, ratio(events.publishing_to_raw), '≤ 1.1×']);
  rows.push(['replay (process start included)', count, `${sec(events.replay_seconds)} = ${rate(events.replay_events_per_second)}`, raw, ratio(events.replay_to_raw), '≤ 1.1×']);
}

// 5. PostgreSQL: ingest beside SQLite's and beside a plain COPY, each run into fresh databases.
if (only.has('postgres')) {
  const dir = mkdtempSync(join(tmpdir(), 'claims-bench-pg-'));
  const server = values['pg-url'];
  const psql = (db, command) => execFileSync('psql', [`${server}/${db}`, '-v', 'ON_ERROR_STOP=1', '-qc', command], { encoding: 'utf8' });
  const timings = { sqlite: [], postgres: [], copy: [] };
  try {
    for (let run = 0; run < runs; run++) {
      log(`postgres run ${run + 1}/${runs}`);
      const sqlite = timedIngest(mkdtempSync(join(dir, 'sqlite-')), totals);
      rmSync(dirname(sqlite.db), { recursive: true, force: true });
      timings.sqlite.push(sqlite.seconds);
      const name = `claims_bench_${process.pid}_${run}`;
      const url = `${server}/${name}`;
      try {
        // Created by the ingest itself (and migrated), as a first ingest on a new database is.
        const ingest = measure(process.execPath, claimsArgs('ingest', totals.path, '--db', url, '-q', '--log-level', 'warn'), {
          okCodes: totals.rejected_rows > 0 ? [3] : [0],
        });
        checkStored(url, totals);
        timings.postgres.push(ingest.seconds);
        results.postgres_peak_mib = Math.max(results.postgres_peak_mib ?? 0, ingest.mib);
        psql(name, 'create table lines (a text, b text, c text, d text, e text, f text, g text, h text, i text, j text)');
        const started = performance.now();
        psql(name, `\\copy lines from '${totals.path}' with (format csv, header true)`);
        timings.copy.push((performance.now() - started) / 1000);
      } finally {
        psql('postgres', `drop database if exists "${name}" with (force)`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgRuns = timings.postgres;
  results.postgres = {
    claims_seconds: median(pgRuns),
    sqlite_claims_seconds: median(timings.sqlite),
    ratio_to_sqlite: median(pgRuns.map((t, i) => t / timings.sqlite[i])),
    copy_seconds: median(timings.copy),
    ratio_to_copy: median(pgRuns.map((t, i) => t / timings.copy[i])),
    lines_per_second: Math.round(lines / median(pgRuns)),
    peak_mib: results.postgres_peak_mib,
  };
  delete results.postgres_peak_mib;
  const perLine = `${lines.toLocaleString('en-US')} lines`;
  rows.push(['ingest into PostgreSQL, no NATS', perLine, sec(results.postgres.claims_seconds), `claims ingest into SQLite ${sec(results.postgres.sqlite_claims_seconds)}`, ratio(results.postgres.ratio_to_sqlite), '']);
  rows.push(['ingest into PostgreSQL, no NATS', perLine, sec(results.postgres.claims_seconds), `psql \\copy into one table ${sec(results.postgres.copy_seconds)}`, ratio(results.postgres.ratio_to_copy), '']);
}

results.node = process.version;
results.sqlite3 = execFileSync('sqlite3', ['--version'], { encoding: 'utf8' }).split(' ')[0];
if (values.format === 'json') {
  console.log(JSON.stringify(results, null, 2));
} else {
  console.log(`median of ${runs} run(s); ratios are medians of ratios taken within one run; node ${results.node}, sqlite3 ${results.sqlite3}`);
  console.log(table(['work', 'size', 'claims', 'reference (same run)', 'ratio', 'target'], rows));
}

function sec(seconds) {
  return `${seconds.toFixed(seconds < 10 ? 3 : 1)} s`;
}
function mib(value) {
  return `${Math.round(value)} MiB`;
}
function ratio(value) {
  return `${value.toFixed(2)}×`;
}
function rate(perSecond) {
  return `${(perSecond / 1000).toFixed(1)}k/s`;
}
/** A Markdown table, so it pastes into the README and issues as it is. */
function table(header, body) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...body.map(line)].join('\n');
}
