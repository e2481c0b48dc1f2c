export interface LineFeesCents {
  provider_fees_cents: number;
  allowed_fees_cents: number;
  member_coinsurance_cents: number;
  member_copay_cents: number;
}

/** What the provider is still owed for a line: provider + coinsurance + copay − allowed (may be negative). */
export function lineNetFeeCents(l: LineFeesCents): number {
  return l.provider_fees_cents + l.member_coinsurance_cents + l.member_copay_cents - l.allowed_fees_cents;
}

export function claimNetFeeCents(lines: readonly { net_fee_cents: number }[]): number {
  return lines.reduce((sum, line) => sum + line.net_fee_cents, 0);
}
