import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessWorkspace, runMain } from '../helpers/main.js';
import { cells, csv } from '../helpers/inputs.js';

let ws: InProcessWorkspace;
beforeEach(() => {
  ws = new InProcessWorkspace();
});
afterEach(() => ws.remove());

interface RuleRow {
  name: string;
  field: string | null;
  severity: string;
  configurable: boolean;
  builtin: boolean;
}

async function listRules(args: string[] = []): Promise<RuleRow[]> {
  const result = await runMain(['rules', '--format', 'json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

describe('claims rules', () => {
  it('lists the built-in rules with their default severities', async () => {
    const rules = await listRules();
    const byName = Object.fromEntries(rules.map((r) => [r.name, r]));
    expect(byName.npi_check_digit).toMatchObject({ severity: 'warn', configurable: true, builtin: true });
    expect(byName.money_not_negative).toMatchObject({ severity: 'error', configurable: true });
    expect(byName.date_format).toMatchObject({ severity: 'error', configurable: false });
    for (const name of ['required', 'money_format', 'date_not_future', 'procedure_starts_with_d', 'quadrant_code', 'npi_format', 'claim_consistent']) {
      expect(byName).toHaveProperty(name);
    }
  });

  it('shows what a rules file changes and adds', async () => {
    const file = ws.file(
      'rules.json',
      JSON.stringify({
        builtin: { npi_check_digit: 'error', procedure_starts_with_d: 'off' },
        custom: [{ name: 'plan_prefix', field: 'plan_group_number', pattern: '^GRP-', message: 'plan group must start with GRP-', severity: 'warn' }],
      }),
    );
    const rules = await listRules(['--rules', file]);
    const byName = Object.fromEntries(rules.map((r) => [r.name, r]));
    expect(byName.npi_check_digit!.severity).toBe('error');
    expect(byName.procedure_starts_with_d!.severity).toBe('off');
    expect(byName.plan_prefix).toMatchObject({ field: 'plan_group_number', severity: 'warn', builtin: false });
  });
});

describe('ingest --rules', () => {
  it('can make a warning an error, turn a rule off, and add a rule', async () => {
    const rules = ws.file(
      'rules.json',
      JSON.stringify({
        builtin: { npi_check_digit: 'error', procedure_starts_with_d: 'off' },
        custom: [{ name: 'plan_prefix', field: 'plan_group_number', pattern: '^GRP-', message: 'plan group must start with GRP-' }],
      }),
    );
    const rows = [
      cells({ subscriber: 'A', npi: '1234567890' }),
      cells({ subscriber: 'B', procedure: 'X0180' }),
      cells({ subscriber: 'C', plan: 'PLAN-9' }),
    ];
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows)), '--rules', rules, '--format', 'json']);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout)[0]).toMatchObject({ claims_stored: 1, rows_rejected: 2 });
    expect(result.stderr).toMatch(/row 2: provider_npi "1234567890": .*\[npi_check_digit\]/);
    expect(result.stderr).toMatch(/row 4: plan_group_number "PLAN-9": plan group must start with GRP- \[plan_prefix\]/);
    const [claim] = JSON.parse((await ws.run(['list', '--lines', '--format', 'json'])).stdout);
    expect(claim.submitted_procedure).toBe('X0180');
  });

  it.each([
    ['an unknown rule', { builtin: { no_such_rule: 'off' } }, 'builtin.no_such_rule'],
    ['a rule that cannot be configured', { builtin: { date_format: 'off' } }, 'date_format'],
    ['a bad severity', { builtin: { npi_check_digit: 'fatal' } }, 'npi_check_digit'],
    ['an invalid regular expression', { custom: [{ name: 'x', field: 'quadrant', pattern: '(', message: 'm' }] }, 'custom[0].pattern'],
    ['an unknown field', { custom: [{ name: 'x', field: 'tooth', pattern: '.', message: 'm' }] }, 'custom[0].field'],
  ])('refuses a rules file with %s as a usage error, naming it', async (_name, config, mention) => {
    const rules = ws.file('rules.json', JSON.stringify(config));
    const result = await ws.run(['ingest', ws.file('in.csv', csv([cells()])), '--rules', rules]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`rules file ${rules}`);
    expect(result.stderr).toContain(mention);
    // Refused before the database is opened: not even an empty one is created.
    expect(existsSync(ws.db)).toBe(false);
  });

  it('refuses a rules file that is not JSON', async () => {
    const rules = ws.file('rules.json', '{ builtin: ');
    const result = await ws.run(['rules', '--rules', rules]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not valid JSON');
  });
});

describe('grouping by claim number', () => {
  const header = ['claim number', 'line number', 'service date', 'submitted procedure', 'quadrant', 'Plan/Group #', 'Subscriber#', 'Provider NPI', 'provider fees', 'Allowed fees', 'member coinsurance', 'member copay'];

  it('groups adjacent rows with the same claim number, whatever their dates', async () => {
    const rows = [
      ['C1', '1', ...cells({ date: '3/28/18' })],
      ['C1', '2', ...cells({ date: '3/29/18', procedure: 'D0210' })],
      ['C2', '1', ...cells()],
      ['C1', '1', ...cells({ procedure: 'D4346' })],
    ];
    expect((await ws.run(['ingest', ws.file('in.csv', csv(rows, header))])).code).toBe(0);
    const claimRows = JSON.parse((await ws.run(['list', '--format', 'json'])).stdout);
    expect(claimRows.map((c: { claim_number: string; lines: number; service_date: string }) => [c.claim_number, c.lines, c.service_date])).toEqual([
      ['C1', 2, '2018-03-28'],
      ['C2', 1, '2018-03-28'],
      ['C1', 1, '2018-03-28'],
    ]);
  });

  it('rejects a claim whose lines disagree on the provider', async () => {
    const rows = [
      ['C1', '1', ...cells()],
      ['C1', '2', ...cells({ npi: '1234567893' })],
    ];
    const result = await ws.run(['ingest', ws.file('in.csv', csv(rows, header))]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('[claim_consistent]');
  });
});
