#!/usr/bin/env node
// The benchmark's input, shaped like a payer's nightly export (issue 9): claims of 1–6 adjacent
// lines (mean 2.26), ~2,000 providers, ~50,000 subscribers, service dates over the seven years up to
// 2026-11-20, 44 procedure codes, quadrant on ~3 % of lines, `$130.00 `-style money, CRLF.
// Deterministic for a given --lines/--seed/--bad. Every row is valid except `--bad` rows, each in a
// different claim, which rejects that claim. The generator counts its own totals (integer cents)
// and writes them beside the file as JSON, so a benchmark can check what `claims` stored.
// Usage: node bench/realistic.mjs [--lines 1000000] [--seed 1] [--bad 0]  (prints the totals)
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');

const HEADER =
  'service date,submitted procedure,quadrant,Plan/Group #,Subscriber#,Provider NPI,provider fees,Allowed fees,member coinsurance,member copay';
const PROVIDERS = 2_000;
const SUBSCRIBERS = 50_000;
const PLAN_GROUPS = 400;
/** Seven years of service dates, ending a week before the bench was written: none in the future. */
const LAST_DAY = Date.UTC(2026, 10, 20);
const DAYS = 7 * 365 + 2;
/** Lines per claim 1..6: mean 1(.375)+2(.28)+3(.17)+4(.095)+5(.05)+6(.03) = 2.255. */
const SIZE_WEIGHTS = [0.375, 0.28, 0.17, 0.095, 0.05, 0.03];
const QUADRANTS = ['UR', 'UL', 'LR', 'LL', 'UA', 'LA', '10', '20', '30', '40'];
const QUADRANT_SHARE = 0.03;
/** 44 CDT codes with a typical fee in cents each. */
const PROCEDURES = [
  ['D0120', 5500], ['D0140', 8200], ['D0150', 9800], ['D0180', 10500], ['D0210', 14000], ['D0220', 3000],
  ['D0230', 2500], ['D0272', 5000], ['D0274', 7000], ['D0330', 12000], ['D1110', 10500], ['D1120', 7500],
  ['D1206', 4500], ['D1208', 4000], ['D1351', 5500], ['D2140', 13000], ['D2150', 16500], ['D2330', 15500],
  ['D2331', 19500], ['D2391', 16000], ['D2392', 21000], ['D2740', 125000], ['D2750', 115000], ['D2950', 26000],
  ['D2954', 31000], ['D3310', 95000], ['D3320', 110000], ['D3330', 130000], ['D4341', 25000], ['D4342', 17000],
  ['D4346', 13000], ['D4355', 16000], ['D4910', 14000], ['D5110', 180000], ['D5120', 180000], ['D6010', 220000],
  ['D7140', 18000], ['D7210', 28000], ['D7240', 45000], ['D8080', 550000], ['D9110', 9500], ['D9215', 4500],
  ['D9230', 6000], ['D9310', 11000],
];

/** mulberry32: a small seeded generator, so the same arguments give the same file. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A 10-digit NPI with the CMS check digit (Luhn over 80840 + the first nine digits). */
function npi(nine) {
  const digits = `80840${nine}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${nine}${(10 - (sum % 10)) % 10}`;
}

/** `$1,234.50 `: the export's money, thousands commas and the trailing space included. */
function money(cents) {
  const whole = Math.floor(cents / 100).toLocaleString('en-US');
  return `$${whole}.${String(cents % 100).padStart(2, '0')} `;
}

const pad = (n) => String(n).padStart(2, '0');

/** The paths of the file and its totals for these arguments. */
export function dataPaths({ lines, seed = 1, bad = 0 }) {
  const base = join(DATA_DIR, `realistic-${lines}-s${seed}${bad ? `-bad${bad}` : ''}`);
  return { csv: `${base}.csv`, totals: `${base}.json` };
}

/**
 * Writes the file unless it is there with its totals; returns the totals: lines (data rows), claims
 * and lines that must be stored, rejected rows, and the stored net fee in cents.
 */
export async function realisticFile({ lines, seed = 1, bad = 0 }) {
  const paths = dataPaths({ lines, seed, bad });
  if (existsSync(paths.csv) && existsSync(paths.totals)) {
    return { ...JSON.parse(readFileSync(paths.totals, 'utf8')), path: paths.csv };
  }
  mkdirSync(DATA_DIR, { recursive: true });
  const random = seeded(seed);
  const pick = (n) => Math.floor(random() * n);

  const providers = Array.from({ length: PROVIDERS }, (_, i) => npi(String(100_000_000 + i * 449_699 + pick(449_699))));
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i) => ({
    number: String(700_000_000 + i * 17_011 + pick(17_011)),
    plan: `GRP-${String(10_000 + pick(PLAN_GROUPS) * 37).padStart(6, '0')}`,
    // Most patients see one or two dentists.
    providers: [pick(PROVIDERS), pick(PROVIDERS)],
  }));
  const dates = Array.from({ length: DAYS }, (_, d) => {
    const day = new Date(LAST_DAY - (DAYS - 1 - d) * 86_400_000);
    return `${day.getUTCMonth() + 1}/${day.getUTCDate()}/${pad(day.getUTCFullYear() % 100)} 0:00`;
  });
  // One visit per subscriber and day, so no two claims share a key: none is a duplicate of another.
  const visited = new Uint8Array(Math.ceil((SUBSCRIBERS * DAYS) / 8));
  const claimsTotal = Math.ceil(lines / 2.255);
  // Bad rows: `bad` claims spread over the file, one bad row each (a non-key field, so grouping holds).
  const badEvery = bad > 0 ? Math.max(1, Math.floor(claimsTotal / (bad + 1))) : 0;
  const BAD_KINDS = [
    (row) => (row[1] = `X${row[1].slice(1)}`), // procedure not starting with D
    (row) => (row[2] = 'ZZ'), // no such quadrant
    (row) => (row[6] = '$12.345 '), // three decimals
  ];

  const tmp = `${paths.csv}.tmp`;
  const out = createWriteStream(tmp);
  let chunk = `${HEADER}\r\n`;
  const totals = { lines, claims: 0, stored_lines: 0, rejected_rows: 0, bad_rows: 0, net_fee_cents: 0, seed, generator: 'realistic-1' };
  let written = 0;
  let previousSubscriber = -1;
  let claimIndex = 0;
  while (written < lines) {
    let u = random();
    let size = 1;
    for (const weight of SIZE_WEIGHTS) {
      if (u < weight) break;
      u -= weight;
      size++;
    }
    size = Math.min(size, 6, lines - written);
    let s;
    do s = pick(SUBSCRIBERS);
    while (s === previousSubscriber);
    previousSubscriber = s;
    let day = pick(DAYS);
    while (visited[(s * DAYS + day) >> 3] & (1 << ((s * DAYS + day) & 7))) day = (day + 1) % DAYS;
    visited[(s * DAYS + day) >> 3] |= 1 << ((s * DAYS + day) & 7);
    const subscriber = subscribers[s];
    const provider = providers[subscriber.providers[random() < 0.8 ? 0 : 1]];
    const isBad = badEvery > 0 && totals.bad_rows < bad && claimIndex > 0 && claimIndex % badEvery === 0;
    const badLine = isBad ? pick(size) : -1;
    let claimNet = 0;
    const first = pick(PROCEDURES.length);
    for (let l = 0; l < size; l++) {
      // Distinct procedures within a claim.
      const [code, typical] = PROCEDURES[(first + l * 7) % PROCEDURES.length];
      const provider_fees = Math.round(typical * (0.8 + 0.4 * random()));
      const allowed = Math.round(provider_fees * (0.6 + 0.35 * random()));
      const coinsurance = random() < 0.6 ? Math.round(allowed * [0.1, 0.2, 0.5][pick(3)]) : 0;
      const copay = random() < 0.25 ? [500, 1000, 1500, 2500][pick(4)] : 0;
      const quadrant = random() < QUADRANT_SHARE ? QUADRANTS[pick(QUADRANTS.length)] : '';
      const row = [dates[day], code, quadrant, subscriber.plan, subscriber.number, provider, money(provider_fees), money(allowed), money(coinsurance), money(copay)];
      if (l === badLine) BAD_KINDS[totals.bad_rows % BAD_KINDS.length](row);
      // Commas inside money need quotes.
      chunk += row.map((v) => (v.includes(',') ? `"${v}"` : v)).join(',') + '\r\n';
      claimNet += provider_fees + coinsurance + copay - allowed;
    }
    if (isBad) {
      totals.bad_rows++;
      totals.rejected_rows += size;
    } else {
      totals.claims++;
      totals.stored_lines += size;
      totals.net_fee_cents += claimNet;
    }
    written += size;
    claimIndex++;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  if (!Number.isSafeInteger(totals.net_fee_cents)) throw new Error('net fee total beyond exact integers');
  if (totals.bad_rows !== bad) throw new Error(`only ${totals.bad_rows} of ${bad} bad rows fit in ${lines} lines`);
  renameSync(tmp, paths.csv);
  writeFileSync(paths.totals, JSON.stringify(totals, null, 2) + '\n');
  return { ...totals, path: paths.csv };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      lines: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      bad: { type: 'string', default: '0' },
    },
  });
  const totals = await realisticFile({ lines: Number(values.lines), seed: Number(values.seed), bad: Number(values.bad) });
  console.log(JSON.stringify(totals, null, 2));
}
