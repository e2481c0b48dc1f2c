/** The values that decide which claim a row belongs to, as strings ('' when absent). */
export interface ClaimKeyFields {
  claim_number: string;
  service_date: string;
  subscriber_number: string;
  plan_group_number: string;
  provider_npi: string;
}

/**
 * Whether two rows belong to one claim: the claim number alone decides, or, when a row has none
 * (or the input has no such column), service date + subscriber + plan group + NPI. A row with a
 * blank claim number never joins a row that has one, nor every other blank row.
 */
export function sameClaim(a: ClaimKeyFields, b: ClaimKeyFields, byClaimNumber: boolean): boolean {
  if (byClaimNumber && (a.claim_number !== '' || b.claim_number !== '')) return a.claim_number === b.claim_number;
  return (
    a.service_date === b.service_date &&
    a.subscriber_number === b.subscriber_number &&
    a.plan_group_number === b.plan_group_number &&
    a.provider_npi === b.provider_npi
  );
}

/** Collects a stream of items into runs of adjacent items that belong together with the run's first. */
export class AdjacentGrouper<T> {
  private group: T[] = [];

  constructor(private readonly together: (first: T, item: T) => boolean) {}

  /** Adds an item; returns the previous group when this item starts a new one. */
  push(item: T): T[] | null {
    const first = this.group[0];
    if (first !== undefined && this.together(first, item)) {
      this.group.push(item);
      return null;
    }
    const previous = this.flush();
    this.group = [item];
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
