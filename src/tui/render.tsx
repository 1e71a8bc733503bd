import { render } from 'ink';
import { App, type AppProps } from './app.js';

export interface TuiHandle {
  /** Settles once the UI is unmounted. */
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

/** Takes the terminal: Ctrl-C is the App's to handle (heal first), and console output is left alone (the logger is routed into the events). */
export function renderTui(props: AppProps): TuiHandle {
  const instance = render(<App {...props} />, { exitOnCtrlC: false, patchConsole: false });
  return {
    waitUntilExit: async () => {
      await instance.waitUntilExit();
    },
    unmount: () => instance.unmount(),
  };
}
