/** The canonical fields of a claim line, in the order the contract lists them. */
export const FIELDS = [
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
] as const;

export type Field = (typeof FIELDS)[number];

export const OPTIONAL_FIELDS: readonly Field[] = ['quadrant', 'claim_number', 'line_number'];
export const REQUIRED_FIELDS: readonly Field[] = FIELDS.filter((f) => !OPTIONAL_FIELDS.includes(f));

export const MONEY_FIELDS = ['provider_fees', 'allowed_fees', 'member_coinsurance', 'member_copay'] as const;
export type MoneyField = (typeof MONEY_FIELDS)[number];

/** A row's values by canonical field, as trimmed-or-raw strings; absent columns are undefined. */
export type FieldValues = Partial<Record<Field, string>>;
