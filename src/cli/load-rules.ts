import { readFileSync } from 'node:fs';
import { defaultRuleSet, type RuleSet } from '../domain/rules.js';
import { UsageError } from '../errors.js';

/** The built-in rules, or the rules file's settings on top of them; a bad file is a usage error. */
export async function loadRules(path: string | undefined): Promise<RuleSet> {
  if (path === undefined) return defaultRuleSet();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read rules file ${path}: ${(error as Error).message}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`rules file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  // Loaded only for a rules file: its checks and patterns need zod and RE2.
  const { buildRuleSet } = await import('../domain/rules-file.js');
  const rules = buildRuleSet(config);
  if (!rules.ok) throw new UsageError(`rules file ${path}: ${rules.message}`);
  return rules.value;
}
