import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';

/**
 * Flat memory for long ingests: a young generation that stays small and an old one that grows by 20 %
 * rather than doubling, so garbage is collected before it piles up. Measured peak RSS of an ingest:
 * 200k lines 196 → 114 MiB, and 112–116 MiB from 1M to 5M lines, for more frequent collections
 * (GC ~9 % → ~23 % of a 200k-line profile). bin/claims sets them before anything is allocated.
 */
const FLAT_MEMORY = ['--semi-space-growth-factor=1', '--heap-growing-percent=20', ...serialScavengeWhereCoresAreFew()];

/**
 * With two cores, the ingest's writer thread holds the one the main thread does not: the helpers of
 * a parallel scavenge wait for it, and the small young generation above scavenges often. Scavenging
 * on the main thread alone: ingest of 1M lines 0.95x and 0.93x the time (medians of 5 and 4 pairs).
 */
function serialScavengeWhereCoresAreFew(): string[] {
  return availableParallelism() <= 2 ? ['--no-parallel-scavenge'] : [];
}

/**
 * V8's own defaults, while publishing (replay, and the deliveries of ingest --nats): its memory is
 * bounded by a page of events whatever the outbox holds, and its garbage (payloads, PubAcks) dies
 * young, so a young generation free to grow collects it for far less. Replay of 88,740 events:
 * 4.4–4.8 s instead of 6.6–7.0 s, peak 208–234 MiB instead of 150 MiB (ingest --nats of 1M lines:
 * 274 MiB instead of 168 MiB, the same whatever the size).
 */
const THROUGHPUT = ['--semi-space-growth-factor=2', '--heap-growing-percent=0'];

/** The flags this process chose, none until it chooses. */
let chosen: readonly string[] = [];

function apply(flags: readonly string[]): void {
  chosen = flags;
  for (const flag of flags) setFlagsFromString(flag);
}

/** Flat memory (bin/claims, for every command but those that choose otherwise). */
export function applyHeapFlags(): void {
  apply(FLAT_MEMORY);
}

/**
 * Throughput while publishing; call it before the publishing starts its thread. Returns what sets the
 * flags chosen before again (an ingest of several inputs reads the next one with flat memory; the
 * young generation grown meanwhile is not given back).
 */
export function applyPublishingHeapFlags(): () => void {
  const before = chosen;
  apply(THROUGHPUT);
  return () => apply(before);
}

/**
 * Node sets V8's flags anew when a worker thread starts: whoever starts one sets the chosen ones
 * again once it is online (without that, an ingest's main-thread young generation grew to 32 MiB).
 */
export function reapplyHeapFlags(): void {
  apply(chosen);
}
