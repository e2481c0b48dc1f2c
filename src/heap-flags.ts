import { availableParallelism } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * Flat memory for long ingests: a young generation that stays small and an old one that grows by 20 %
 * rather than doubling, so garbage is collected before it piles up. Measured peak RSS of an ingest:
 * 200k lines 196 → 114 MiB, and 112–116 MiB from 1M to 5M lines, for more frequent collections
 * (GC ~9 % → ~23 % of a 200k-line profile). bin/claims sets them before anything is allocated.
 */
const flatMemory = (youngGrowthFactor: number) => [
  `--semi-space-growth-factor=${youngGrowthFactor}`,
  '--heap-growing-percent=20',
  ...serialScavengeWhereCoresAreFew(),
];
const FLAT_MEMORY = flatMemory(1);

/**
 * The same, but letting the young generation double at its next collection: until it has grown to
 * HELD_NEW_SPACE_BYTES (V8 reads its size flags only as the process starts, before bin/claims can set
 * any, and starts it at 1 MiB). Ingest of 1M lines with it held at 8 MiB: 12.7-14.8 s against
 * 15.4-17.0 s at 4 MiB, peak 109-112 MiB against 105-109 MiB (3 runs each, taken in turn). An
 * ingest used to get 4 or 8 MiB at random: V8 lets the young generation grow while another isolate
 * (the writer thread) starts, and the main thread was parsing then.
 */
const FLAT_MEMORY_GROWING = flatMemory(2);
const HELD_NEW_SPACE_BYTES = 8 * 1024 * 1024;

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

/** Flat memory, the young generation held at HELD_NEW_SPACE_BYTES (bin/claims, for every command but those that choose otherwise). */
export function applyHeapFlags(): void {
  apply(FLAT_MEMORY_GROWING);
  // After every collection: V8 shrinks a young generation again where little is allocated (the
  // start, between inputs), so it may have to grow back.
  new PerformanceObserver(holdYoungGeneration).observe({ entryTypes: ['gc'] });
}

function holdYoungGeneration(): void {
  if (chosen !== FLAT_MEMORY && chosen !== FLAT_MEMORY_GROWING) return;
  const wanted = newSpaceBytes() < HELD_NEW_SPACE_BYTES ? FLAT_MEMORY_GROWING : FLAT_MEMORY;
  if (wanted !== chosen) apply(wanted);
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
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
 * While a worker thread's isolate is made, the growth factor is back at V8's default (2): whoever
 * starts one sets the chosen flags again once it runs (without that, an ingest's main-thread young
 * generation grew to 32 MiB). The ingest's writer blocks this thread until then (db-thread.ts).
 */
export function reapplyHeapFlags(): void {
  apply(chosen);
}
