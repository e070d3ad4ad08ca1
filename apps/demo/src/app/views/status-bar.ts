/**
 * The device's header: its name, the hub connection, a "no network" badge when the device itself is
 * offline, pending changes, when it last caught up with the hub, and the Online/Offline switch
 * (`pause()`/`resume()`: nothing is sent or received while the switch is off, in every tab of this
 * replica). All of it comes from `status$` and the page's own network events: nothing here waits
 * on the network.
 */
import type { ReplicaStatus } from '@accord/client'
import { h } from '../../shared/dom.js'
import { attempt, type ViewContext } from '../view-context.js'

export function statusBar(ctx: ViewContext, extra: HTMLElement[]): HTMLElement {
  const connection = h('span', { class: 'pill', data: { testid: 'connection' } })
  const pending = h('span', { class: 'badge', data: { testid: 'pending' }, attrs: { title: 'Local changes the hub has not settled yet' } })
  const synced = h('span', { class: 'muted small', data: { testid: 'last-synced' } })
  const network = h('span', { class: 'pill network', data: { testid: 'network' }, attrs: { title: 'This device has no network. Everything still works here; changes wait on this device and sync when the network is back.' } }, 'no network')
  const toggle = h('input', { attrs: { type: 'checkbox', role: 'switch', 'aria-label': 'Online' }, data: { testid: 'online-switch' } })
  const switchLabel = h('span', { class: 'switch-label' })
  let busy = false
  toggle.addEventListener('change', () => {
    busy = true
    toggle.disabled = true
    const wantOnline = toggle.checked
    attempt(ctx, async () => {
      try {
        await (wantOnline ? ctx.db.resume() : ctx.db.pause())
      } finally {
        busy = false
        toggle.disabled = false
        render(ctx.state.status$.value)
      }
    })
  })
  const bar = h(
    'header',
    { class: 'status-bar' },
    h('div', { class: 'device' }, h('span', { class: 'device-icon' }, '▣'), h('strong', { data: { testid: 'device-name' } }, ctx.device)),
    h('div', { class: 'status' }, network, connection, pending, synced),
    h('label', { class: 'switch', data: { testid: 'online-switch-label' } }, toggle, h('span', { class: 'slider' }), switchLabel),
    ...extra,
  )

  function render(status: ReplicaStatus): void {
    const state = status.paused ? 'paused' : status.connection
    connection.textContent = status.paused ? 'offline (switch)' : status.connection
    connection.dataset['state'] = state
    bar.dataset['state'] = state
    connection.title = status.error ? `${status.error.code}: ${status.error.message}` : ''
    if (status.error) connection.textContent += ` · ${status.error.code}`
    pending.textContent = `${status.pending} pending`
    pending.dataset['count'] = String(status.pending)
    pending.classList.toggle('zero', status.pending === 0)
    synced.textContent = status.lastSyncedAt ? `last synced ${new Date(status.lastSyncedAt).toLocaleTimeString()}` : 'never synced'
    synced.title = status.lastSyncedAt ? new Date(status.lastSyncedAt).toLocaleString() : 'This replica has not caught up with the hub yet'
    if (!busy) toggle.checked = !status.paused
    switchLabel.textContent = status.paused ? 'Offline' : 'Online'
  }
  ctx.state.status$.subscribe(render)
  const showNetwork = (): void => {
    network.hidden = navigator.onLine
    bar.dataset['network'] = navigator.onLine ? 'online' : 'offline'
  }
  window.addEventListener('online', showNetwork)
  window.addEventListener('offline', showNetwork)
  showNetwork()
  return bar
}
