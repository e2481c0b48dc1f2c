/** Builders for the inputs the CLI tests feed to `claims ingest`. */

/** Small write transactions (`--batch-rows`): a test input of a few thousand rows is committed in several. */
export const TEST_BATCH_ROWS = 1_000;
export const SMALL_BATCHES = ['--batch-rows', String(TEST_BATCH_ROWS)];

/**
 * Rows after which an ingest with SMALL_BATCHES has committed its first batch and is part way: feed
 * this many through stdin and it waits for the rest, as it would on a slow pipe.
 */
export const PAST_FIRST_BATCH = TEST_BATCH_ROWS + 400;

export const HEADER = [
  'service date',
  'submitted procedure',
  'quadrant',
  'Plan/Group #',
  'Subscriber#',
  'Provider NPI',
  'provider fees',
  'Allowed fees',
  'member coinsurance',
  'member copay',
];

export interface Line {
  date?: string;
  procedure?: string;
  quadrant?: string;
  plan?: string;
  subscriber?: string;
  npi?: string;
  provider?: string;
  allowed?: string;
  coinsurance?: string;
  copay?: string;
}

/** A valid line of claim 1234 unless told otherwise. */
export function cells(line: Line = {}): string[] {
  return [
    line.date ?? '3/28/18 0:00',
    line.procedure ?? 'D0180',
    line.quadrant ?? '',
    line.plan ?? 'GRP-1000',
    line.subscriber ?? '3730189502',
    line.npi ?? '1497775530',
    line.provider ?? '$100.00',
    line.allowed ?? '$100.00',
    line.coinsurance ?? '$0.00',
    line.copay ?? '$0.00',
  ];
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csv(rows: string[][], header: string[] = HEADER, eol = '\n'): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join(eol) + eol;
}

/** A line as a JSON row object with PascalCase keys, as JSON exports write them. */
export function jsonRow(line: Line = {}): Record<string, string | number> {
  const [date, procedure, quadrant, plan, subscriber, npi, provider, allowed, coinsurance, copay] = cells(line);
  return {
    ServiceDate: date!,
    SubmittedProcedure: procedure!,
    Quadrant: quadrant!,
    PlanGroupNumber: plan!,
    SubscriberNumber: subscriber!,
    ProviderNPI: npi!,
    ProviderFees: provider!,
    AllowedFees: allowed!,
    MemberCoinsurance: coinsurance!,
    MemberCopay: copay!,
  };
}

/** n claims of `linesPerClaim` lines each, every claim for its own subscriber. */
export function manyClaims(n: number, linesPerClaim = 4): string[][] {
  const rows: string[][] = [];
  for (let claim = 0; claim < n; claim++) {
    for (let line = 0; line < linesPerClaim; line++) {
      rows.push(
        cells({
          subscriber: `S${String(claim).padStart(8, '0')}`,
          procedure: `D${String(1000 + line)}`,
          provider: `$${100 + line}.${String(claim % 100).padStart(2, '0')}`,
          allowed: '$50.00',
        }),
      );
    }
  }
  return rows;
}
