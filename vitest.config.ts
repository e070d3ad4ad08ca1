import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url))

// Tests run on the TypeScript sources; the build (tsc -b) is checked separately.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@accord\/core\/internal$/, replacement: src('core', 'internal') },
      { find: /^@accord\/core$/, replacement: src('core') },
      { find: /^@accord\/testing$/, replacement: src('testing') },
      { find: /^@accord\/hub$/, replacement: src('hub') },
      { find: /^@accord\/client\/worker$/, replacement: src('client', 'worker/index') },
      { find: /^@accord\/client\/runtime$/, replacement: src('client', 'runtime/index') },
      { find: /^@accord\/client$/, replacement: src('client', 'page/index') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
