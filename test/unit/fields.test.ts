import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, eq, getTableColumns } from 'drizzle-orm';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_FIELDS,
  FIELDS,
  FINGERPRINT_FIELD_COUNT,
  LINE_FIELD_NAMES,
  LINE_FIELDS,
  MONEY_FIELDS,
  OUTPUT_FIELDS,
  REQUIRED_FIELDS,
  TEXT_FIELDS,
  type FieldSpec,
} from '../../src/domain/fields.js';
import type { ClaimLine } from '../../src/domain/types.js';
import { CLAIM_COLUMNS, encodeClaims } from '../../src/db/claim-batch.js';
import { EVENT_COLUMNS, fieldColumn, LINE_STORED_COLUMNS, OUTPUT_COLUMNS } from '../../src/db/line-columns.js';
import { openDb } from '../../src/db/open.js';
import { claimLines, claims, runs } from '../../src/db/schema.js';

const spec = (name: (typeof LINE_FIELD_NAMES)[number]): FieldSpec => LINE_FIELDS[name];

describe('the field table', () => {
  // Prefixes: a field added at the end keeps these tests as they are.
  it('lists the input fields in the order the contract gives them', () => {
    expect(FIELDS.slice(0, 12)).toEqual([
      'service_date',
      'submitted_procedure',
      'quadrant',
      'plan_group_number',
      'subscriber_number',
      'provider_npi',
      'provider_fees',
      'allowed_fees',
      'member_coinsurance',
      'member_copay',
      'claim_number',
      'line_number',
    ]);
    expect(REQUIRED_FIELDS.slice(0, 9)).toEqual([
      'service_date',
      'submitted_procedure',
      'plan_group_number',
      'subscriber_number',
      'provider_npi',
      'provider_fees',
      'allowed_fees',
      'member_coinsurance',
      'member_copay',
    ]);
    expect(MONEY_FIELDS.slice(0, 4)).toEqual(['provider_fees', 'allowed_fees', 'member_coinsurance', 'member_copay']);
    expect(TEXT_FIELDS.slice(0, 4)).toEqual(['plan_group_number', 'subscriber_number', 'claim_number', 'line_number']);
  });

  it('keeps the fields every claim id was made of first, in their order', () => {
    // Reordering these, or putting a field before them, changes every claim id: a rerun would pay again.
    expect(LINE_FIELD_NAMES.slice(0, FINGERPRINT_FIELD_COUNT)).toEqual([
      'service_date',
      'submitted_procedure',
      'quadrant',
      'plan_group_number',
      'subscriber_number',
      'provider_npi',
      'provider_fees_cents',
      'allowed_fees_cents',
      'member_coinsurance_cents',
      'member_copay_cents',
      'net_fee_cents',
      'claim_number',
      'line_number',
    ]);
  });

  it('names money in cents, gives outputs distinct positions and puts only line columns in the event', () => {
    for (const name of LINE_FIELD_NAMES) {
      expect(name.endsWith('_cents'), name).toBe(spec(name).kind === 'money');
      if (spec(name).event) expect([spec(name).stored, spec(name).output !== null], name).toEqual(['line', true]);
    }
    const positions = OUTPUT_FIELDS.map((name) => spec(name).output);
    expect(new Set(positions).size).toBe(positions.length);
    expect(OUTPUT_FIELDS.slice(0, 10)).toEqual([
      'line_number',
      'service_date',
      'submitted_procedure',
      'quadrant',
      'provider_npi',
      'provider_fees_cents',
      'allowed_fees_cents',
      'member_coinsurance_cents',
      'member_copay_cents',
      'net_fee_cents',
    ]);
    // The payload's line object: its key order is part of the bytes (see payload.test.ts).
    expect(EVENT_FIELDS.slice(0, 9)).toEqual(OUTPUT_FIELDS.filter((name) => name !== 'provider_npi').slice(0, 9));
  });
});

describe('the schema against the field table', () => {
  it('has a column of the right type and nullability for every field', () => {
    for (const name of LINE_FIELD_NAMES) {
      const { column } = fieldColumn(name);
      const table = spec(name).stored === 'line' ? claimLines : claims;
      expect(Object.values(getTableColumns(table)), name).toContain(column);
      expect(column.getSQLType(), name).toBe(spec(name).kind === 'money' ? 'integer' : 'text');
      expect(column.notNull, name).toBe(spec(name).required);
    }
  });

  it('has no claim_lines column that is not a field, besides the line position', () => {
    const names = Object.values(getTableColumns(claimLines)).map((column) => column.name);
    const fields = LINE_FIELD_NAMES.filter((name) => spec(name).stored === 'line');
    expect(names.sort()).toEqual(['claim_pk', 'line_index', 'source_row', ...fields].sort());
  });
});

describe('the line mappings on a real database', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Every field set, so each mapping is seen to carry a value (a field added later reads back null).
  const line: ClaimLine = {
    service_date: '2018-03-28',
    submitted_procedure: 'D4211',
    quadrant: 'UR',
    plan_group_number: 'GRP-1000',
    subscriber_number: '3730189502',
    provider_npi: '1497775530',
    provider_fees_cents: 17800,
    allowed_fees_cents: 17700,
    member_coinsurance_cents: 3560,
    member_copay_cents: 25,
    net_fee_cents: 3685,
    claim_number: 'C1',
    line_number: '7',
  };

  it('stores a line and reads back what the event and list --lines show of it', () => {
    dir = mkdtempSync(join(tmpdir(), 'claims-fields-'));
    const db = openDb(join(dir, 'claims.db'), pino({ enabled: false }));
    try {
      const run = db
        .insert(runs)
        .values({ source: 'test', inputFormat: 'csv', status: 'completed', host: 'h', pid: 1, startedAt: '2026-01-01' })
        .returning()
        .get();
      const claim = db
        .insert(claims)
        .values({
          claimId: 'clm_test',
          runId: run.id,
          claimNumber: line.claim_number,
          serviceDate: line.service_date,
          planGroupNumber: line.plan_group_number,
          subscriberNumber: line.subscriber_number,
          providerNpi: line.provider_npi,
          lineCount: 1,
          netFeeCents: line.net_fee_cents,
        })
        .returning()
        .get();
      // As the ingest encodes the line (its input row, then its stored values).
      const encoded = encodeClaims([{ claim: { ...line, claim_id: 'clm_test', fingerprint: '', lines: [line] }, rows: [2] }]);
      const values: unknown[] = [claim.id, 1, ...encoded.slice(CLAIM_COLUMNS.length)];
      db.$client
        .prepare(`insert into claim_lines (claim_pk, line_index, source_row, ${LINE_STORED_COLUMNS.join(', ')}) values (${values.map(() => '?').join(', ')})`)
        .run(values);

      const event = db.select(EVENT_COLUMNS).from(claimLines).where(eq(claimLines.claimPk, claim.id)).all();
      expect(event).toEqual([Object.fromEntries(EVENT_FIELDS.map((name) => [name, line[name] ?? null]))]);
      const listed = db
        .select(OUTPUT_COLUMNS)
        .from(claimLines)
        .innerJoin(claims, eq(claims.id, claimLines.claimPk))
        .orderBy(asc(claimLines.lineIndex))
        .all();
      expect(listed).toEqual([Object.fromEntries(OUTPUT_FIELDS.map((name) => [name, line[name] ?? null]))]);
    } finally {
      db.$client.close();
    }
  });
});
