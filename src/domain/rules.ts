import { parseServiceDate, isFutureDate } from './dates.js';
import {
  FIELDS,
  LINE_FIELDS,
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
  const found: Findings = { issues, values, severities: rules.builtin };
  // Values are trimmed where they are used, not all up front: this runs for every input row, and
  // trimming allocates only for a value that has blanks around it.

  for (const field of REQUIRED_FIELDS) {
    if (!NOT_BLANK.test(values[field] ?? '')) report(found, 'required', field, 'empty');
  }

  // Reported, never stripped: a stripped NUL would silently turn `D0\0 80` into another code.
  for (const field of FIELDS) {
    const control = controlCharacter(values[field] ?? '');
    if (control) report(found, 'control_characters', field, `contains control character ${control}`);
  }

  for (const field of FREE_TEXT_FIELDS) {
    if (looksLikeFormula(values[field] ?? '') || looksLikeFormula(trimmedValue(values, field))) {
      report(found, 'formula_text', field, 'starts like a spreadsheet formula');
    }
  }

  // Each check below only looks at non-empty values: emptiness is the `required` rule's finding.
  let serviceDate: string | undefined;
  const givenDate = trimmedValue(values, 'service_date');
  if (givenDate !== '') {
    const date = parseServiceDate(values.service_date!);
    if (!date.ok) report(found, 'date_format', 'service_date', date.message);
    else {
      serviceDate = date.value;
      if (isFutureDate(date.value, today)) report(found, 'date_not_future', 'service_date', `after today (${today})`);
    }
  }

  const procedure = trimmedValue(values, 'submitted_procedure').toUpperCase();
  if (procedure !== '' && !procedure.startsWith('D')) {
    report(found, 'procedure_starts_with_d', 'submitted_procedure', 'must start with D');
  }

  const quadrant = normaliseQuadrant(values.quadrant ?? '');
  if (!quadrant.ok) report(found, 'quadrant_code', 'quadrant', quadrant.message);

  const npi = trimmedValue(values, 'provider_npi');
  if (npi !== '') {
    if (!isNpiFormat(npi)) report(found, 'npi_format', 'provider_npi', 'not 10 digits');
    else if (!hasValidNpiCheckDigit(npi)) report(found, 'npi_check_digit', 'provider_npi', 'check digit does not match');
  }

  // In the fields' order (fields.ts), each into a variable of its own: the line below names every field.
  const providerFees = checkedCents(found, 'provider_fees', trimmedValue(values, 'provider_fees'));
  const allowedFees = checkedCents(found, 'allowed_fees', trimmedValue(values, 'allowed_fees'));
  const memberCoinsurance = checkedCents(found, 'member_coinsurance', trimmedValue(values, 'member_coinsurance'));
  const memberCopay = checkedCents(found, 'member_copay', trimmedValue(values, 'member_copay'));

  for (const rule of rules.custom) {
    const value = trimmedValue(values, rule.field);
    // Even a safe-looking pattern costs time per character: an over-long cell fails unmatched.
    if (value.length > MAX_CUSTOM_RULE_INPUT) {
      const message = `${rule.message} (longer than ${MAX_CUSTOM_RULE_INPUT} characters, not checked)`;
      issues.push({ rule: rule.name, field: rule.field, value: values[rule.field] ?? '', message, severity: rule.severity });
    } else if (!rule.pattern.test(value)) {
      issues.push({ rule: rule.name, field: rule.field, value: values[rule.field] ?? '', message: rule.message, severity: rule.severity });
    }
  }

  const key: ClaimKeyFields = {
    claim_number: trimmedValue(values, 'claim_number'),
    service_date: serviceDate ?? givenDate,
    subscriber_number: trimmedValue(values, 'subscriber_number'),
    plan_group_number: trimmedValue(values, 'plan_group_number'),
    provider_npi: npi,
  };

  // Errors from non-configurable rules always leave the date or a fee unset; the checks narrow the types.
  if (
    hasError(issues) ||
    serviceDate === undefined ||
    providerFees === undefined ||
    allowedFees === undefined ||
    memberCoinsurance === undefined ||
    memberCopay === undefined
  ) {
    return { line: null, issues, key };
  }
  const fees = {
    provider_fees_cents: providerFees,
    allowed_fees_cents: allowedFees,
    member_coinsurance_cents: memberCoinsurance,
    member_copay_cents: memberCopay,
  };
  // One literal, every field spelled out (the ClaimLine type makes the compiler ask for a new one):
  // spreading built objects into it cost several times the rest of this function.
  const line: ClaimLine = {
    plan_group_number: key.plan_group_number,
    subscriber_number: key.subscriber_number,
    claim_number: key.claim_number || null,
    line_number: trimmedValue(values, 'line_number') || null,
    service_date: serviceDate,
    submitted_procedure: procedure,
    // With quadrant_code off or warn, an unknown code is kept as written (trimmed, upper-cased).
    quadrant: quadrant.ok ? quadrant.value : trimmedValue(values, 'quadrant').toUpperCase(),
    provider_npi: npi,
    provider_fees_cents: providerFees,
    allowed_fees_cents: allowedFees,
    member_coinsurance_cents: memberCoinsurance,
    member_copay_cents: memberCopay,
    net_fee_cents: lineNetFeeCents(fees),
  };
  return { line, issues, key };
}

/** Where a row's findings go (module functions report them: closures would be allocated for every row). */
interface Findings {
  issues: Issue[];
  /** The row's values as given: a finding quotes its value untrimmed. */
  values: FieldValues;
  severities: RuleSet['builtin'];
}

function report(found: Findings, rule: BuiltinRuleName, field: Field, message: string): void {
  const severity = found.severities[rule];
  if (severity !== 'off') found.issues.push({ rule, field, value: found.values[field] ?? '', message, severity });
}

/** A fee in cents, reported by money_format, money_not_negative or money_range; undefined when empty or unreadable. */
function checkedCents(found: Findings, field: MoneyField, trimmed: string): number | undefined {
  if (trimmed === '') return undefined;
  const amount = parseMoney(trimmed);
  if (!amount.ok) {
    report(found, 'money_format', field, amount.message);
    return undefined;
  }
  if (amount.value < 0) report(found, 'money_not_negative', field, 'negative fee');
  if (Math.abs(amount.value) > MAX_FEE_CENTS) report(found, 'money_range', field, `beyond ±${formatCents(MAX_FEE_CENTS)}`);
  return amount.value;
}

function trimmedValue(values: FieldValues, field: Field): string {
  return (values[field] ?? '').trim();
}

/** Anything but blanks: the same blanks as String.prototype.trim's. */
const NOT_BLANK = /\S/;

function hasError(issues: readonly Issue[]): boolean {
  for (const issue of issues) if (issue.severity === 'error') return true;
  return false;
}
