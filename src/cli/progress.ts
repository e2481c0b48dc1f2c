import type { Output } from '../output/records.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

/** An ora spinner on the terminal; loaded only when someone is watching. */
export async function startProgress(stream: Output): Promise<Progress> {
  const { default: ora } = await import('ora');
  const spinner = ora({ stream: stream as NodeJS.WritableStream, text: 'starting' }).start();
  return {
    update: (text) => {
      spinner.text = text;
    },
    stop: () => spinner.stop(),
  };
}
