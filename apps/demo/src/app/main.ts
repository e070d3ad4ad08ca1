/**
 * The app: one device's team board. Alone in a tab it is an ordinary offline-first app, installable
 * as a PWA (its shell is precached by a service worker, src/shared/app-shell.ts); inside the lab
 * page (?embedded=1) it is one of several devices side by side, and the lab page owns the shell.
 */
import '../styles.css'
import { DEMO_BUILD } from '../build.js'
import { startAppShell, type AppShell } from '../shared/app-shell.js'
import { appShellTag, updateBanner } from '../shared/update-banner.js'
import { h, replaceChildren } from '../shared/dom.js'
import { AppState } from './app-state.js'
import { readConfig, type AppConfig } from './config.js'
import { connectLab } from './lab-bridge.js'
import { openDeviceReplica } from './open-replica.js'
import { loadSampleData } from './sample-data.js'
import { exposeHooks, type DemoHooks, type DemoWindow } from './test-hooks.js'
import { attempt, type ViewContext } from './view-context.js'
import { boardView } from './views/board.js'
import { conflictLogView } from './views/conflict-log.js'
import { goalsView } from './views/goals.js'
import { addLateFee, invoicesView } from './views/invoices.js'
import { notesView } from './views/notes.js'
import { statusBar } from './views/status-bar.js'

async function main(root: HTMLElement): Promise<void> {
  const config = readConfig(location)
  // Started first and never awaited: the replica opens from IndexedDB whatever the network does.
  const shell = config.embedded ? undefined : startAppShell()
  if (shell) document.body.prepend(updateBanner(shell))
  document.title = `${config.device} · Accord demo`
  document.documentElement.classList.toggle('embedded', config.embedded)
  replaceChildren(root, h('p', { class: 'loading' }, `Opening ${config.replicaName}…`))
  const db = await openDeviceReplica(config)
  const state = new AppState(db)
  const toasts = h('div', { class: 'toasts', attrs: { 'aria-live': 'polite' } })
  const highlighted = new Set<string>()
  const applyHighlights = (): void => {
    for (const el of root.querySelectorAll<HTMLElement>('[data-path]')) el.classList.toggle('diverged', highlighted.has(el.dataset['path'] ?? ''))
  }
  const ctx: ViewContext = {
    db,
    state,
    device: config.device,
    deviceNames: new Map(),
    rendered: applyHighlights,
    report: (error) => showToast(toasts, error),
  }
  // A hub that refuses this build (`client_too_old`: it serves a newer schema or protocol) means a
  // newer build is most likely deployed: look for it now rather than at the next timer.
  let refused = false
  state.status$.subscribe((status) => {
    const tooOld = status.error?.code === 'client_too_old'
    if (tooOld && !refused) void shell?.checkForUpdate()
    refused = tooOld
  })
  const sample = h('button', { class: 'small-button', data: { testid: 'load-sample' }, onclick: () => attempt(ctx, () => loadSampleData(db)) }, 'Load sample data')
  state.cards$.subscribe((cards) => (sample.hidden = cards.length > 0))
  replaceChildren(
    root,
    statusBar(ctx, [sample, modeTag(config), ...(shell ? [appShellTag(shell)] : [])]),
    h('main', { class: 'layout' }, h('div', { class: 'work' }, boardView(ctx), invoicesView(ctx), goalsView(ctx), notesView(ctx)), h('aside', { class: 'side' }, conflictLogView(ctx))),
    toasts,
  )
  if (config.embedded) {
    connectLab(config.device, db.replicaId, state, {
      diverged(paths, devices) {
        highlighted.clear()
        for (const path of paths) highlighted.add(path)
        for (const [replicaId, name] of Object.entries(devices)) ctx.deviceNames.set(replicaId, `device ${name}`)
        applyHighlights()
      },
      network: (online) => attempt(ctx, () => (online ? db.resume() : db.pause())),
      seed: () => attempt(ctx, () => loadSampleData(db)),
    })
  }
  exposeHooks({ device: config.device, replicaId: db.replicaId, workerMode: config.worker, db, addLateFee: (id) => addLateFee(ctx, id), shell: shellHooks(shell) }, state)
}

function shellHooks(shell: AppShell | undefined): DemoHooks['shell'] {
  return {
    state: () => ({ build: DEMO_BUILD, offlineReady: false, updateReady: false, ...shell?.state$.value }),
    checkForUpdate: () => shell?.checkForUpdate() ?? Promise.resolve(),
  }
}

function modeTag(config: AppConfig): HTMLElement {
  const text = config.worker === 'shared' ? 'SharedWorker' : 'dedicated Worker'
  return h('span', { class: 'muted small mode', data: { testid: 'worker-mode' }, attrs: { title: `space ${config.space} · hub ${config.hubUrl}` } }, text)
}

function showToast(container: HTMLElement, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code
  const message = error instanceof Error ? error.message : String(error)
  const toast = h('div', { class: 'toast', data: { testid: 'toast' } }, typeof code === 'string' ? h('strong', {}, code, ': ') : null, message)
  container.append(toast)
  setTimeout(() => toast.remove(), 6000)
}

const root = document.getElementById('app')!
main(root).catch((error: unknown) => {
  const message = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)
  ;(window as unknown as DemoWindow).accordDemoError = message
  replaceChildren(root, h('div', { class: 'fatal' }, h('h2', {}, 'The replica could not be opened'), h('pre', {}, message)))
  if (window.parent !== window) window.parent.postMessage({ type: 'accord-demo:failed', device: new URLSearchParams(location.search).get('device') ?? '', message }, location.origin)
})
