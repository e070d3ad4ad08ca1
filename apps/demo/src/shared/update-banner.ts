/**
 * What the app shell tells people: a banner when a new build waits (with Reload), and a small tag
 * with this build's label and whether it is ready to open offline.
 */
import { DEMO_BUILD } from '../build.js'
import type { AppShell } from './app-shell.js'
import { h } from './dom.js'

export function updateBanner(shell: AppShell): HTMLElement {
  const reload = h('button', { class: 'primary', data: { testid: 'update-reload' } }, 'Reload')
  reload.addEventListener('click', () => {
    reload.disabled = true
    reload.textContent = 'Reloading…'
    void shell.update()
  })
  const banner = h(
    'div',
    { class: 'update-banner', data: { testid: 'update-banner' }, attrs: { role: 'status' } },
    h('span', {}, h('strong', {}, 'A new version of the app is ready. '), 'Reload to use it: every tab of the app reloads; your data and pending changes stay on this device.'),
    reload,
  )
  banner.hidden = true
  shell.state$.subscribe((state) => (banner.hidden = !state.updateReady))
  return banner
}

export function appShellTag(shell: AppShell): HTMLElement {
  const tag = h('span', { class: 'muted small app-shell', data: { testid: 'app-shell', build: DEMO_BUILD } })
  shell.state$.subscribe((state) => {
    const offline = state.unavailable ? `no offline copy (${state.unavailable})` : state.offlineReady ? 'works offline' : 'saving for offline…'
    tag.textContent = `build ${DEMO_BUILD} · ${offline}`
    tag.dataset['offlineReady'] = String(state.offlineReady)
    tag.dataset['updateReady'] = String(state.updateReady)
  })
  return tag
}
