import { resolve } from 'node:path'
import { defineConfig } from 'vite'

// Two pages: the app (index.html, one device; what a PWA would start) and the lab (lab.html,
// devices side by side in iframes of the app). The replica's worker is bundled as an ES module
// worker from the `new URL('../accord.worker.ts', import.meta.url)` in src/app/open-replica.ts.
export default defineConfig({
  build: {
    target: 'es2022',
    rolldownOptions: {
      input: { app: resolve(import.meta.dirname, 'index.html'), lab: resolve(import.meta.dirname, 'lab.html') },
    },
  },
  worker: { format: 'es' },
  // A fixed port, so the URL scripts/demo.sh prints is the one that serves.
  server: { port: Number(process.env['DEMO_PORT'] ?? 5173), strictPort: true },
  preview: { port: Number(process.env['DEMO_PORT'] ?? 4173) },
})
