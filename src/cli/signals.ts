import type { StopSignal } from '../errors.js';

export interface StopSignals {
  /** Aborted, with the signal's name as reason, at the first SIGINT, SIGTERM or SIGHUP. */
  stop: AbortSignal;
  dispose: () => void;
}

/**
 * SIGINT, SIGTERM and SIGHUP ask the command to stop after the work in hand (an ingest's batch, a
 * replay's publishes in flight); a second signal ends the process at once, as it would have without us.
 */
export function watchStopSignals(): StopSignals {
  const controller = new AbortController();
  const names: StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const dispose = () => {
    for (const name of names) process.off(name, onSignal);
  };
  const onSignal = (name: StopSignal) => {
    if (!controller.signal.aborted) return controller.abort(name);
    dispose();
    process.kill(process.pid, name);
  };
  for (const name of names) process.on(name, onSignal);
  return { stop: controller.signal, dispose };
}

/** The command was stopped by a signal: the signal's name. */
export function stopReason(stop: AbortSignal): StopSignal | null {
  return stop.aborted ? (stop.reason as StopSignal) : null;
}
