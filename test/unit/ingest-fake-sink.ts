import {
  batchStored,
  type BatchResult,
  type ClaimToStore,
  type DuplicateLookup,
  type IngestSink,
  type RejectionToStore,
  type RunCounts,
  type StoredCounts,
} from '../../src/ingest/ports.js';

interface FakeRun {
  source: string;
  status: 'running' | 'completed' | 'refused' | 'interrupted';
  counts: RunCounts | null;
  reason: string | null;
}

/**
 * The ingest sink in memory, for unit tests of the pipeline only (integration tests use SQLite):
 * a claim id stored once; a run's writes count only once it is accepted, and go when it is abandoned.
 */
export class FakeSink implements IngestSink, DuplicateLookup {
  readonly runs = new Map<number, FakeRun>();
  /** claim id → the run that stored it. */
  readonly claims = new Map<string, { runId: number; stored: ClaimToStore }>();
  readonly rejections: (RejectionToStore & { runId: number })[] = [];
  /** Rows per writeBatch call: one await per batch. */
  readonly batches: number[] = [];

  async startRun(source: string): Promise<number> {
    const runId = this.runs.size + 1;
    this.runs.set(runId, { source, status: 'running', counts: null, reason: null });
    return runId;
  }

  async writeBatch(runId: number, toStore: readonly ClaimToStore[], toReject: readonly RejectionToStore[]): Promise<BatchResult> {
    this.batches.push(toStore.reduce((n, c) => n + c.claim.lines.length, 0) + toReject.length);
    const stored: ClaimToStore[] = [];
    for (const c of toStore) {
      if (this.claims.has(c.claim.claim_id)) continue;
      this.claims.set(c.claim.claim_id, { runId, stored: c });
      stored.push(c);
    }
    this.rejections.push(...toReject.map((r) => ({ ...r, runId })));
    return batchStored(stored.map((c) => c.claim), toStore.length - stored.length);
  }

  async acceptRun(runId: number, counts: RunCounts): Promise<StoredCounts> {
    this.runs.set(runId, { ...this.runs.get(runId)!, status: 'completed', counts });
    const own = [...this.claims.values()].filter((c) => c.runId === runId).map((c) => c.stored.claim);
    return {
      claimsStored: own.length,
      linesStored: own.reduce((n, c) => n + c.lines.length, 0),
      netFeeCents: own.reduce((n, c) => n + c.net_fee_cents, 0),
    };
  }

  async abandonRun(runId: number, counts: RunCounts, status: 'refused' | 'interrupted', reason: string): Promise<void> {
    this.runs.set(runId, { ...this.runs.get(runId)!, status, counts, reason });
    for (const [claimId, c] of this.claims) if (c.runId === runId) this.claims.delete(claimId);
    for (let i = this.rejections.length - 1; i >= 0; i--) if (this.rejections[i]!.runId === runId) this.rejections.splice(i, 1);
  }

  async storedAmong(claimIds: readonly string[]): Promise<ReadonlySet<string>> {
    return new Set(claimIds.filter((id) => this.claims.has(id)));
  }
}
