import type { ClaimKeyFields } from '../domain/grouping.js';
import { validateRow, type RuleSet } from '../domain/rules.js';
import type { ClaimLine, Issue } from '../domain/types.js';
import type { InputRow } from './normalise.js';

/** A row after validation: its claim line (null when it has errors), its findings, what decides its claim. */
export interface ValidatedRow {
  input: InputRow;
  line: ClaimLine | null;
  errors: Issue[];
  warnings: Issue[];
  /** What decides its claim (grouping.ts, sameClaim). */
  key: ClaimKeyFields;
}

export interface ValidateOptions {
  rules: RuleSet;
  /** YYYY-MM-DD; service dates after it are in the future. */
  today: string;
}

/** The validate stage: one normalised row against the rules. */
export function validateInput(input: InputRow, options: ValidateOptions): ValidatedRow {
  const result = validateRow(input.fields, options.rules, options.today);
  // A row that could not be read as a row (broken JSON, not an object) has no fields to blame.
  const fieldIssues = input.structuralIssue && Object.keys(input.fields).length === 0 ? [] : result.issues;
  const issues = input.structuralIssue ? [input.structuralIssue, ...fieldIssues] : fieldIssues;
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  for (const found of issues) (found.severity === 'error' ? errors : warnings).push(found);
  return {
    input,
    line: input.structuralIssue ? null : result.line,
    errors,
    warnings,
    key: result.key,
  };
}
