import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

// Two pages: the app (index.html, one device; what the installed PWA starts) and the lab (lab.html,
// devices side by side in iframes of the app). The replica's worker is bundled as an ES module
// worker from the `new URL('../accord.worker.ts', import.meta.url)` in src/app/open-replica.ts.
//
// The build's label (shown in the app, and in the worker's log lines) is DEMO_BUILD, or the package
// version. Every deploy changes the hashed file names anyway; the label only tells people which one
// they run.
const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as { version: string }
const build = process.env['DEMO_BUILD'] ?? pkg.version

export default defineConfig({
  define: { __DEMO_BUILD__: JSON.stringify(build) },
  build: {
    target: 'es2022',
    rolldownOptions: {
      input: { app: resolve(import.meta.dirname, 'index.html'), lab: resolve(import.meta.dirname, 'lab.html') },
    },
  },
  worker: { format: 'es' },
  plugins: [
    VitePWA({
      // A new version waits until the person says so (the banner's Reload, src/app/app-shell.ts):
      // never a page of one build running next to assets of another.
      registerType: 'prompt',
      // src/app/app-shell.ts registers (virtual:pwa-register); nothing injected into the HTML.
      injectRegister: false,
      strategies: 'generateSW',
      filename: 'sw.js',
      manifest: {
        name: 'Accord demo: an offline-first team board',
        short_name: 'Accord demo',
        description: 'A team board that works offline and syncs through merge policies.',
        id: './',
        start_url: './',
        scope: './',
        display: 'standalone',
        background_color: '#f5f6f8',
        theme_color: '#4f5bd5',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      includeAssets: ['icons/apple-touch-icon.png'],
      workbox: {
        // The app shell: both pages, every script (the pages' and the replica's worker bundle,
        // assets/accord.worker-*.js) and styles. The plugin adds the web manifest, its icons and
        // includeAssets.
        globPatterns: ['**/*.{html,js,css}'],
        // The pages are reached with query strings (?device=A&hub=…): match the precached page
        // whatever the query. `/` maps to index.html (workbox's directoryIndex).
        ignoreURLParametersMatching: [/.*/],
        // No SPA fallback (the app has two real pages) and no runtime caching at all: the precache
        // answers only for the files listed in it, so the hub's traffic (Socket.IO polling and
        // upgrades, /healthz, any other origin) always goes to the network, never to a cache.
        navigateFallback: null,
        runtimeCaching: [],
        // The first visit's page is controlled at once (pages are reloaded only on an update).
        clientsClaim: true,
        cleanupOutdatedCaches: true,
      },
    }),
  ],
  // A fixed port, so the URL scripts/demo.sh prints is the one that serves.
  server: { port: Number(process.env['DEMO_PORT'] ?? 5173), strictPort: true },
  preview: { port: Number(process.env['DEMO_PORT'] ?? 4173) },
})
