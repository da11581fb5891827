// Types of scripts/browser.mjs for the TypeScript tests that import it.

/** Flags Chromium needs on a machine whose only network is loopback (Playwright adds --headless and a fresh profile). */
export const chromiumArgs: readonly string[];

/** Absolute path of a runnable Chromium: $CHROMIUM_BIN, PATH, else Debian's chromium installed with apt-get. */
export function chromiumBinary(): Promise<string>;
