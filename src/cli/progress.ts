import type { Terminal } from './context.js';

export interface Progress {
  update(text: string): void;
  /** Clears the spinner line; call before the command writes its own lines. */
  stop(): void;
}

/**
 * An ora spinner on the terminal; loaded only when someone is watching. While it spins, ora
 * clears its frame before any other write to the stream (logs, notes) and draws it again below.
 */
export async function startProgress(stream: Terminal, options: { colour: boolean }): Promise<Progress> {
  const { default: ora } = await import('ora');
  const spinner = ora({
    stream: stream as NodeJS.WriteStream,
    text: 'starting',
    color: options.colour ? 'cyan' : false,
    // ingest may be reading stdin itself.
    discardStdin: false,
  }).start();
  return {
    update: (text) => {
      spinner.text = text;
    },
    stop: () => spinner.stop(),
  };
}
