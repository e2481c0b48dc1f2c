import { readFileSync } from 'node:fs';
import { buildRuleSet, type RuleSet } from '../domain/rules.js';
import { UsageError } from '../errors.js';

/** The built-in rules, or the rules file's settings on top of them; a bad file is a usage error. */
export function loadRules(path: string | undefined): RuleSet {
  let config: unknown;
  if (path !== undefined) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read rules file ${path}: ${(error as Error).message}`);
    }
    try {
      config = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`rules file ${path} is not valid JSON: ${(error as Error).message}`);
    }
  }
  const rules = buildRuleSet(config);
  if (!rules.ok) throw new UsageError(`rules file ${path}: ${rules.message}`);
  return rules.value;
}
