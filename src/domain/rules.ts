import { parseServiceDate, isFutureDate } from './dates.js';
import {
  FIELDS,
  LINE_FIELDS,
  MONEY_FIELDS,
  REQUIRED_FIELDS,
  TEXT_FIELDS,
  type Field,
  type FieldValues,
  type MoneyField,
} from './fields.js';
import type { ClaimKeyFields } from './grouping.js';
import type { RE2JS } from 're2js';
import { controlCharacter, looksLikeFormula, MAX_CLAIM_NET_FEE_CENTS, MAX_CUSTOM_RULE_INPUT, MAX_FEE_CENTS } from './limits.js';
import { formatCents, parseMoney } from './money.js';
import { lineNetFeeCents } from './netfee.js';
import { hasValidNpiCheckDigit, isNpiFormat } from './npi.js';
import { normaliseQuadrant } from './quadrant.js';
import type { ClaimLine, Issue, RuleSetting, Severity } from './types.js';

interface BuiltinRule {
  name: string;
  field: Field | null;
  description: string;
  severity: RuleSetting;
  configurable: boolean;
}

// The catalogue of built-in rules with their default severities: every rule that can reject a row.
// `claim_consistent` and the claim part of `money_range` are applied by claim.ts to a whole claim;
// `column_count`, `json_syntax` and `json_row` by the ingest normaliser, `claim_rejected` by the pipeline.
const BUILTIN_RULES = [
  { name: 'required', field: null, description: 'required fields are not empty after trimming', severity: 'error', configurable: false },
  { name: 'money_format', field: null, description: 'fees are money amounts with at most two decimals', severity: 'error', configurable: false },
  { name: 'money_not_negative', field: null, description: 'fees are not negative', severity: 'error', configurable: true },
  { name: 'date_format', field: 'service_date', description: 'service date is a real date (M/D/YY, M/D/YYYY or YYYY-MM-DD)', severity: 'error', configurable: false },
  { name: 'date_not_future', field: 'service_date', description: 'service date is not in the future', severity: 'error', configurable: true },
  { name: 'procedure_starts_with_d', field: 'submitted_procedure', description: 'procedure code starts with D', severity: 'error', configurable: true },
  { name: 'quadrant_code', field: 'quadrant', description: 'quadrant is empty or an area-of-oral-cavity code', severity: 'error', configurable: true },
  { name: 'npi_format', field: 'provider_npi', description: 'provider NPI is exactly 10 digits', severity: 'error', configurable: true },
  { name: 'npi_check_digit', field: 'provider_npi', description: 'provider NPI has a valid check digit', severity: 'warn', configurable: true },
  { name: 'claim_consistent', field: null, description: 'lines of one claim share provider NPI, subscriber and plan group', severity: 'error', configurable: false },
  { name: 'money_range', field: null, description: `each fee is within ±${formatCents(MAX_FEE_CENTS)} and a claim's net fee within ±${formatCents(MAX_CLAIM_NET_FEE_CENTS)}, so every amount stays exact`, severity: 'error', configurable: false },
  { name: 'control_characters', field: null, description: 'values hold no control characters (NUL and other C0 except tab, CR, LF; DEL)', severity: 'error', configurable: false },
  { name: 'formula_text', field: null, description: 'plan group, subscriber, claim and line numbers do not start like a spreadsheet formula (=, +, @, tab, CR, or - not before a digit)', severity: 'error', configurable: true },
  { name: 'column_count', field: null, description: 'a CSV row has as many fields as the header', severity: 'error', configurable: false },
  { name: 'json_syntax', field: null, description: 'an NDJSON line is valid JSON', severity: 'error', configurable: false },
  { name: 'json_row', field: null, description: 'a JSON or NDJSON row is an object', severity: 'error', configurable: false },
  { name: 'claim_rejected', field: null, description: 'a row is rejected with its claim when another line of the claim is rejected', severity: 'error', configurable: false },
] as const satisfies readonly BuiltinRule[];

// Free-text values that reach CSV outputs and spreadsheets.
const FREE_TEXT_FIELDS: readonly Field[] = TEXT_FIELDS.map((name) => LINE_FIELDS[name].input);

export type BuiltinRuleName = (typeof BUILTIN_RULES)[number]['name'];

export const BUILTIN_BY_NAME: ReadonlyMap<string, BuiltinRule> = new Map(BUILTIN_RULES.map((rule) => [rule.name, rule]));

export interface CustomRule {
  name: string;
  field: Field;
  pattern: RE2JS;
  message: string;
  severity: Severity;
}

/** Effective severities of the built-in rules and the compiled custom rules: defaultRuleSet, or buildRuleSet (rules-file.ts) for a rules file. */
export interface RuleSet {
  readonly builtin: Readonly<Record<BuiltinRuleName, RuleSetting>>;
  readonly custom: readonly CustomRule[];
}

export interface RuleInfo {
  name: string;
  field: Field | null;
  description: string;
  severity: RuleSetting;
  configurable: boolean;
  builtin: boolean;
}

/** The built-in rules at their default severities, and no custom rule: what runs without `--rules`. */
export function defaultRuleSet(): RuleSet {
  const builtin = Object.fromEntries(BUILTIN_RULES.map((rule) => [rule.name, rule.severity])) as Record<BuiltinRuleName, RuleSetting>;
  return { builtin, custom: [] };
}

export function listRules(rules: RuleSet): RuleInfo[] {
  const builtin = BUILTIN_RULES.map(
    (rule): RuleInfo => ({ ...rule, severity: rules.builtin[rule.name], builtin: true }),
  );
  const custom = rules.custom.map(
    (rule): RuleInfo => ({
      name: rule.name,
      field: rule.field,
      description: `${rule.message} (pattern /${rule.pattern.pattern()}/)`,
      severity: rule.severity,
      configurable: true,
      builtin: false,
    }),
  );
  return [...builtin, ...custom];
}

export interface RowValidation {
  /** The normalised line, or null when any issue is an error. */
  line: ClaimLine | null;
  issues: Issue[];
  /** Grouping values, present even for rejected rows. */
  key: ClaimKeyFields;
}

/** Applies every enabled rule to one row's raw values and, when no error is found, builds its line. */
export function validateRow(values: FieldValues, rules: RuleSet, today: string): RowValidation {
  const issues: Issue[] = [];
  // Each value trimmed once: this runs for every input row, and most checks look at a value twice.
  const trimmedValues: FieldValues = {};
  for (const field of FIELDS) trimmedValues[field] = (values[field] ?? '').trim();
  const raw = (field: Field): string => values[field] ?? '';
  const trimmed = (field: Field): string => trimmedValues[field]!;
  const report = (rule: BuiltinRuleName, field: Field, message: string): void => {
    const severity = rules.builtin[rule];
    if (severity !== 'off') issues.push({ rule, field, value: raw(field), message, severity });
  };

  for (const field of REQUIRED_FIELDS) {
    if (trimmed(field) === '') report('required', field, 'empty');
  }

  // Reported, never stripped: a stripped NUL would silently turn `D0\0 80` into another code.
  for (const field of FIELDS) {
    const control = controlCharacter(raw(field));
    if (control) report('control_characters', field, `contains control character ${control}`);
  }

  for (const field of FREE_TEXT_FIELDS) {
    if (looksLikeFormula(raw(field)) || looksLikeFormula(trimmed(field))) {
      report('formula_text', field, 'starts like a spreadsheet formula');
    }
  }

  // Each check below only looks at non-empty values: emptiness is the `required` rule's finding.
  let serviceDate: string | undefined;
  if (trimmed('service_date') !== '') {
    const date = parseServiceDate(raw('service_date'));
    if (!date.ok) report('date_format', 'service_date', date.message);
    else {
      serviceDate = date.value;
      if (isFutureDate(date.value, today)) report('date_not_future', 'service_date', `after today (${today})`);
    }
  }

  const procedure = trimmed('submitted_procedure').toUpperCase();
  if (procedure !== '' && !procedure.startsWith('D')) {
    report('procedure_starts_with_d', 'submitted_procedure', 'must start with D');
  }

  const quadrant = normaliseQuadrant(raw('quadrant'));
  if (!quadrant.ok) report('quadrant_code', 'quadrant', quadrant.message);

  const npi = trimmed('provider_npi');
  if (npi !== '') {
    if (!isNpiFormat(npi)) report('npi_format', 'provider_npi', 'not 10 digits');
    else if (!hasValidNpiCheckDigit(npi)) report('npi_check_digit', 'provider_npi', 'check digit does not match');
  }

  const cents: Partial<Record<MoneyField, number>> = {};
  for (const field of MONEY_FIELDS) {
    if (trimmed(field) === '') continue;
    const amount = parseMoney(raw(field));
    if (!amount.ok) report('money_format', field, amount.message);
    else {
      cents[field] = amount.value;
      if (amount.value < 0) report('money_not_negative', field, 'negative fee');
      if (Math.abs(amount.value) > MAX_FEE_CENTS) report('money_range', field, `beyond ±${formatCents(MAX_FEE_CENTS)}`);
    }
  }

  for (const rule of rules.custom) {
    const value = trimmed(rule.field);
    // Even a safe-looking pattern costs time per character: an over-long cell fails unmatched.
    if (value.length > MAX_CUSTOM_RULE_INPUT) {
      const message = `${rule.message} (longer than ${MAX_CUSTOM_RULE_INPUT} characters, not checked)`;
      issues.push({ rule: rule.name, field: rule.field, value: raw(rule.field), message, severity: rule.severity });
    } else if (!rule.pattern.test(value)) {
      issues.push({ rule: rule.name, field: rule.field, value: raw(rule.field), message: rule.message, severity: rule.severity });
    }
  }

  const key: ClaimKeyFields = {
    claim_number: trimmed('claim_number'),
    service_date: serviceDate ?? trimmed('service_date'),
    subscriber_number: trimmed('subscriber_number'),
    plan_group_number: trimmed('plan_group_number'),
    provider_npi: npi,
  };

  // Errors from non-configurable rules always leave the date or a fee unset; the checks narrow the types.
  const fees = completeFees(cents);
  if (hasError(issues) || serviceDate === undefined || fees === null) return { line: null, issues, key };
  // One literal, every field spelled out (the ClaimLine type makes the compiler ask for a new one):
  // spreading built objects into it cost several times the rest of this function.
  const line: ClaimLine = {
    plan_group_number: trimmed('plan_group_number'),
    subscriber_number: trimmed('subscriber_number'),
    claim_number: trimmed('claim_number') || null,
    line_number: trimmed('line_number') || null,
    service_date: serviceDate,
    submitted_procedure: procedure,
    // With quadrant_code off or warn, an unknown code is kept as written (trimmed, upper-cased).
    quadrant: quadrant.ok ? quadrant.value : trimmed('quadrant').toUpperCase(),
    provider_npi: npi,
    provider_fees_cents: fees.provider_fees_cents,
    allowed_fees_cents: fees.allowed_fees_cents,
    member_coinsurance_cents: fees.member_coinsurance_cents,
    member_copay_cents: fees.member_copay_cents,
    net_fee_cents: lineNetFeeCents(fees),
  };
  return { line, issues, key };
}

function hasError(issues: readonly Issue[]): boolean {
  for (const issue of issues) if (issue.severity === 'error') return true;
  return false;
}

function completeFees(cents: Partial<Record<MoneyField, number>>) {
  const { provider_fees, allowed_fees, member_coinsurance, member_copay } = cents;
  if (provider_fees === undefined || allowed_fees === undefined) return null;
  if (member_coinsurance === undefined || member_copay === undefined) return null;
  return {
    provider_fees_cents: provider_fees,
    allowed_fees_cents: allowed_fees,
    member_coinsurance_cents: member_coinsurance,
    member_copay_cents: member_copay,
  };
}
