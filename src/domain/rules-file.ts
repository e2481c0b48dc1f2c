import { RE2JS } from 're2js';
import { z } from 'zod';
import { FIELDS } from './fields.js';
import { BUILTIN_BY_NAME, defaultRuleSet, type RuleSet } from './rules.js';
import type { Parsed } from './types.js';

// The `--rules` file: its schema, checked with zod, and its custom patterns compiled with RE2. Apart
// from rules.ts, so an ingest without --rules loads neither.

const SettingSchema = z.enum(['error', 'warn', 'off'], { error: 'expected "error", "warn" or "off"' });

// Falls back to zod's own message for anything but a missing key.
const requiredString = () => z.string({ error: (issue) => (issue.input === undefined ? 'required' : undefined) });

const CustomRuleSchema = z.strictObject({
  name: requiredString().regex(/^[A-Za-z0-9_.-]+$/, 'expected a name of letters, digits, "_", "." or "-"'),
  field: z.enum(FIELDS, {
    error: (issue) => (issue.input === undefined ? 'required' : `unknown field ${JSON.stringify(issue.input)}`),
  }),
  pattern: requiredString().superRefine((pattern, ctx) => {
    const problem = regexProblem(pattern);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  message: requiredString().min(1, 'must not be empty'),
  severity: z.enum(['error', 'warn'], { error: 'expected "error" or "warn"' }).default('error'),
});

/** The `--rules` file: settings for built-in rules and extra field/pattern rules. */
export const RulesFileSchema = z.strictObject({
  builtin: z
    .record(z.string(), SettingSchema)
    .superRefine((settings, ctx) => {
      for (const name of Object.keys(settings)) {
        const rule = BUILTIN_BY_NAME.get(name);
        if (!rule) ctx.addIssue({ code: 'custom', path: [name], message: `unknown rule "${name}"` });
        else if (!rule.configurable) {
          ctx.addIssue({ code: 'custom', path: [name], message: `rule "${name}" cannot be changed` });
        }
      }
    })
    .optional(),
  custom: z
    .array(CustomRuleSchema)
    .superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach(({ name }, index) => {
        const path = [index, 'name'];
        if (BUILTIN_BY_NAME.has(name)) ctx.addIssue({ code: 'custom', path, message: `"${name}" is a built-in rule` });
        else if (seen.has(name)) ctx.addIssue({ code: 'custom', path, message: `duplicate rule name "${name}"` });
        seen.add(name);
      });
    })
    .optional(),
});

export type RulesFile = z.infer<typeof RulesFileSchema>;

/** Validates a parsed `--rules` file and compiles it on top of the built-in rules (defaultRuleSet). */
export function buildRuleSet(config: unknown): Parsed<RuleSet> {
  const parsed = RulesFileSchema.safeParse(config);
  if (!parsed.success) return { ok: false, message: parsed.error.issues.map(describeIssue).join('; ') };

  const { builtin } = defaultRuleSet();
  Object.assign(builtin, parsed.data.builtin);
  const custom = (parsed.data.custom ?? []).map((rule) => ({ ...rule, pattern: RE2JS.compile(rule.pattern) }));
  return { ok: true, value: { builtin, custom } };
}

/**
 * Custom patterns run on RE2's engine, whose time is linear in the cell: no pattern, however
 * written (`(a+)+$`, `(a|a)*$`), can stall an ingest. It has no backreferences or lookaround.
 */
function regexProblem(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (error) {
    return `not a pattern this tool can run in linear time (RE2 syntax: no backreferences or lookaround): ${error instanceof Error ? error.message : String(error)}`;
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`).join('; ');
  }
  return `${path || 'rules file'}: ${issue.message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`))
    .join('');
}
