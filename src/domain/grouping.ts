/** The values that decide which claim a row belongs to, as strings ('' when absent). */
export interface ClaimKeyFields {
  claim_number: string;
  service_date: string;
  subscriber_number: string;
  plan_group_number: string;
  provider_npi: string;
}

/** Grouping key: the claim number alone, or service date + subscriber + plan group + NPI. */
export function claimKey(k: ClaimKeyFields, byClaimNumber: boolean): string {
  // JSON keeps the parts apart whatever characters the values contain. A row with a blank claim
  // number falls back to the four-field key rather than joining every other blank row.
  return byClaimNumber && k.claim_number !== ''
    ? JSON.stringify([k.claim_number])
    : JSON.stringify([k.service_date, k.subscriber_number, k.plan_group_number, k.provider_npi]);
}

/** Collects a stream of items into runs of adjacent items with the same key. */
export class AdjacentGrouper<T> {
  private group: T[] = [];
  private groupKey = '';

  constructor(private readonly keyOf: (item: T) => string) {}

  /** Adds an item; returns the previous group when this item starts a new one. */
  push(item: T): T[] | null {
    const key = this.keyOf(item);
    if (this.group.length > 0 && key === this.groupKey) {
      this.group.push(item);
      return null;
    }
    const previous = this.flush();
    this.group = [item];
    this.groupKey = key;
    return previous;
  }

  /** Returns the group in progress (null when there is none) and starts afresh. */
  flush(): T[] | null {
    if (this.group.length === 0) return null;
    const finished = this.group;
    this.group = [];
    return finished;
  }
}
