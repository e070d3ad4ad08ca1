/** This build's label: DEMO_BUILD at build time, or the package's version (see vite.config.ts). */
declare const __DEMO_BUILD__: string

export const DEMO_BUILD: string = __DEMO_BUILD__
