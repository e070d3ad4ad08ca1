/** Chromium's executable for browser runs (PLAYWRIGHT_CHROMIUM_PATH, else Debian's). */
export declare const CHROMIUM_PATH: string
/** The launch flags every browser run uses here. */
export declare const CHROMIUM_ARGS: readonly string[]
