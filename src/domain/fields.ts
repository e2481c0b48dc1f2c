/**
 * The one definition of a claim line's fields. Everything else derives from this table: the input
 * fields and their header names (headers.ts), the ClaimLine type (types.ts), which values are free
 * text (rules.ts), the claim fingerprint (claim.ts), the claim_lines insert and select mappings
 * (db/line-columns.ts, checked against db/schema.ts by test/unit/fields.test.ts) and the line object
 * of the payment event (domain/payment-event.ts).
 *
 * Each key is the field's name on a ClaimLine, in outputs and as its stored column. The order is the
 * contract's and that of the claim fingerprint: new fields go at the end (see FINGERPRINT_FIELD_COUNT).
 */
export const LINE_FIELDS = {
  service_date: {
    kind: 'date',
    required: true,
    input: 'service_date',
    aliases: ['dateofservice', 'dos'],
    stored: 'line',
    output: 2,
    event: true,
  },
  submitted_procedure: {
    kind: 'code',
    required: true,
    input: 'submitted_procedure',
    aliases: ['procedure', 'procedurecode', 'cdtcode'],
    stored: 'line',
    output: 3,
    event: true,
  },
  quadrant: {
    kind: 'code',
    required: false,
    input: 'quadrant',
    aliases: ['areaoforalcavity'],
    stored: 'line',
    output: 4,
    event: true,
  },
  plan_group_number: {
    kind: 'text',
    required: true,
    input: 'plan_group_number',
    aliases: ['plangroup', 'plangroupno', 'groupnumber'],
    stored: 'claim',
    output: null,
    event: false,
  },
  subscriber_number: {
    kind: 'text',
    required: true,
    input: 'subscriber_number',
    aliases: ['subscriber', 'subscriberno', 'subscriberid', 'memberid'],
    stored: 'claim',
    output: null,
    event: false,
  },
  provider_npi: {
    kind: 'code',
    required: true,
    input: 'provider_npi',
    aliases: ['npi'],
    stored: 'claim',
    output: 5,
    event: false,
  },
  provider_fees_cents: {
    kind: 'money',
    required: true,
    input: 'provider_fees',
    aliases: ['providerfee'],
    stored: 'line',
    output: 6,
    event: true,
  },
  allowed_fees_cents: {
    kind: 'money',
    required: true,
    input: 'allowed_fees',
    aliases: ['allowedfee'],
    stored: 'line',
    output: 7,
    event: true,
  },
  member_coinsurance_cents: {
    kind: 'money',
    required: true,
    input: 'member_coinsurance',
    aliases: [],
    stored: 'line',
    output: 8,
    event: true,
  },
  member_copay_cents: {
    kind: 'money',
    required: true,
    input: 'member_copay',
    aliases: [],
    stored: 'line',
    output: 9,
    event: true,
  },
  net_fee_cents: {
    kind: 'money',
    required: true,
    input: null,
    aliases: [],
    stored: 'line',
    output: 10,
    event: true,
  },
  claim_number: {
    kind: 'text',
    required: false,
    input: 'claim_number',
    aliases: ['claimno', 'claim'],
    stored: 'claim',
    output: null,
    event: false,
  },
  line_number: {
    kind: 'text',
    required: false,
    input: 'line_number',
    aliases: ['lineno', 'line'],
    stored: 'line',
    output: 1,
    event: true,
  },
} as const satisfies Record<string, FieldSpec>;

export interface FieldSpec {
  /**
   * text: free text, trimmed, kept as written (and checked by formula_text); date: a service date
   * (YYYY-MM-DD); money: an amount in integer cents (its name ends in `_cents`); code: a value a
   * rule of its own checks and normalises.
   */
  kind: 'text' | 'date' | 'money' | 'code';
  /** Required in the input (the `required` rule); an optional field's empty value is null. */
  required: boolean;
  /** Its name in the input, rules files and rejections; null for a value computed from others. */
  input: string | null;
  /** Normalised header names besides the input name itself: only names that cannot mean another field. */
  aliases: readonly string[];
  /** Stored per line (a claim_lines column of the same name), or once per claim (a claims column). */
  stored: 'line' | 'claim';
  /** Its position in a `claims list --lines` row (after claim_id, line_index, source_row), or null. */
  output: number | null;
  /** In the payment event's line object (a line-stored field, in output order)? */
  event: boolean;
}

type Specs = typeof LINE_FIELDS;
export type LineFieldName = keyof Specs;

/** Every field of a claim line, in the table's (fingerprint) order. */
export const LINE_FIELD_NAMES = Object.keys(LINE_FIELDS) as LineFieldName[];

/**
 * How many fields (from the first) enter every claim fingerprint as they are. A field added after
 * them enters it only when set, so adding a column keeps every claim id that exists: a file ingested
 * before the upgrade is still a duplicate after it, never a second payment.
 */
export const FINGERPRINT_FIELD_COUNT = 13;

type NamesWhere<Condition> = { [K in LineFieldName]: Specs[K] extends Condition ? K : never }[LineFieldName];

/** The value of a field on a validated line: money in cents, the rest text; null when optional and empty. */
export type LineValue<K extends LineFieldName> =
  | (Specs[K]['kind'] extends 'money' ? number : string)
  | (Specs[K]['required'] extends true ? never : null);

export type LineStoredName = NamesWhere<{ stored: 'line' }>;
export type OutputFieldName = NamesWhere<{ output: number }>;
export type EventFieldName = NamesWhere<{ event: true }>;
export type TextFieldName = NamesWhere<{ kind: 'text'; input: string }>;

const namesWhere = <K extends LineFieldName>(keep: (spec: FieldSpec) => boolean): K[] =>
  LINE_FIELD_NAMES.filter((name) => keep(LINE_FIELDS[name])) as K[];
const byOutput = (a: LineFieldName, b: LineFieldName) => (LINE_FIELDS[a].output ?? 0) - (LINE_FIELDS[b].output ?? 0);

/** Fields with a claim_lines column, in table order. */
export const LINE_STORED_FIELDS = namesWhere<LineStoredName>((spec) => spec.stored === 'line');
/** Fields of a `list --lines` row, in output order. */
export const OUTPUT_FIELDS = namesWhere<OutputFieldName>((spec) => spec.output !== null).sort(byOutput);
/** Fields of the payment event's line object, in output order. */
export const EVENT_FIELDS = namesWhere<EventFieldName>((spec) => spec.event).sort(byOutput);
/** Free-text input fields: kept as written (trimmed), and the values that reach CSV outputs and spreadsheets. */
export const TEXT_FIELDS = namesWhere<TextFieldName>((spec) => spec.kind === 'text' && spec.input !== null);

/** The name of an input field (a column of the file). */
export type Field = NonNullable<Specs[LineFieldName]['input']>;

/** The input fields, in the order the contract lists them. */
export const FIELDS: readonly Field[] = LINE_FIELD_NAMES.flatMap((name) => LINE_FIELDS[name].input ?? []);

export const REQUIRED_FIELDS: readonly Field[] = LINE_FIELD_NAMES.flatMap((name) =>
  LINE_FIELDS[name].required ? (LINE_FIELDS[name].input ?? []) : [],
);

export type MoneyField = NonNullable<Specs[NamesWhere<{ kind: 'money' }>]['input']>;
export const MONEY_FIELDS: readonly MoneyField[] = LINE_FIELD_NAMES.flatMap((name) => {
  const spec: FieldSpec = LINE_FIELDS[name];
  return spec.kind === 'money' && spec.input !== null ? [spec.input as MoneyField] : [];
});

/** Header names (besides the field's own) per input field. */
export const FIELD_ALIASES: ReadonlyMap<Field, readonly string[]> = new Map(
  LINE_FIELD_NAMES.flatMap((name) => {
    const { input, aliases } = LINE_FIELDS[name];
    return input === null ? [] : [[input, aliases] as const];
  }),
);

/** A row's values by canonical field, as trimmed-or-raw strings; absent columns are undefined. */
export type FieldValues = Partial<Record<Field, string>>;
