/**
 * The lab: several devices side by side, each an iframe of the app with its own replica
 * (?device=A, ?device=B, …). It compares what the devices hold and tells each frame which fields
 * differ, so divergence is highlighted until the devices reconcile.
 *   ?devices=A,B,C   which devices to show (default A,B)
 *   ?hub=…&space=…&worker=dedicated   passed on to every device
 */
import '../styles.css'
import { startAppShell } from '../shared/app-shell.js'
import { h, replaceChildren } from '../shared/dom.js'
import { appShellTag, updateBanner } from '../shared/update-banner.js'
import { isFrameMessage, type FrameMessage, type LabMessage, type RecordsSnapshot } from '../shared/messages.js'
import { divergedPaths } from './divergence.js'

interface DeviceFrame {
  name: string
  frame: HTMLIFrameElement
  caption: HTMLElement
  replicaId?: string
  snapshot?: RecordsSnapshot
}

export interface LabWindow {
  accordLab?: {
    /** Paths of fields that differ between devices now. */
    diverged(): string[]
    /** Devices that have reported their records. */
    reporting(): string[]
  }
}

const DEVICE = /^[A-Za-z0-9_-]{1,32}$/
const params = new URLSearchParams(location.search)
const passOn = ['hub', 'space', 'worker'].flatMap((key) => (params.has(key) ? [[key, params.get(key) ?? '']] : []))
const devices = new Map<string, DeviceFrame>()
let diverged: string[] = []

const grid = h('div', { class: 'lab-grid', data: { testid: 'lab-grid' } })
const agreement = h('span', { class: 'pill', data: { testid: 'agreement' } }, 'waiting for devices…')

function addDevice(name: string): void {
  if (devices.has(name) || !DEVICE.test(name)) return
  const query = new URLSearchParams([['device', name], ['embedded', '1'], ...passOn])
  const frame = h('iframe', { attrs: { src: `./index.html?${query}`, title: `Device ${name}` }, data: { testid: `device-frame-${name}`, device: name } })
  const caption = h('span', { class: 'muted small' })
  grid.append(h('div', { class: 'device-slot', data: { device: name } }, h('div', { class: 'device-caption' }, h('strong', {}, `Device ${name}`), caption), frame))
  devices.set(name, { name, frame, caption })
  update()
}

function send(device: DeviceFrame, message: LabMessage): void {
  device.frame.contentWindow?.postMessage(message, location.origin)
}

function broadcast(message: LabMessage): void {
  for (const device of devices.values()) send(device, message)
}

function onFrameMessage(message: FrameMessage, source: MessageEventSource | null): void {
  const device = [...devices.values()].find((d) => d.frame.contentWindow === source)
  if (!device) return
  switch (message.type) {
    case 'accord-demo:ready':
      device.replicaId = message.replicaId
      return
    case 'accord-demo:snapshot': {
      device.replicaId = message.replicaId
      device.snapshot = message.records
      const s = message.status
      device.caption.textContent = `${s.paused ? 'offline' : s.connection} · ${s.pending} pending · ${message.conflicts} conflicts${message.openConflicts ? ` (${message.openConflicts} open)` : ''}`
      update()
      return
    }
    case 'accord-demo:failed':
      device.caption.textContent = `failed: ${message.message}`
      return
    default:
      message satisfies never
  }
}

/** Recomputes divergence and tells every device which of its fields to highlight. */
function update(): void {
  const reporting = [...devices.values()].filter((d) => d.snapshot)
  diverged = divergedPaths(reporting.map((d) => d.snapshot!))
  const names: Record<string, string> = {}
  for (const d of devices.values()) if (d.replicaId) names[d.replicaId] = d.name
  broadcast({ type: 'accord-demo:diverged', paths: diverged, devices: names })
  if (reporting.length < devices.size) {
    agreement.textContent = 'waiting for devices…'
    agreement.dataset['state'] = 'waiting'
  } else if (diverged.length === 0) {
    agreement.textContent = 'all devices agree'
    agreement.dataset['state'] = 'agree'
  } else {
    const records = new Set(diverged.map((p) => p.split('/').slice(0, 2).join('/'))).size
    agreement.textContent = `${diverged.length} difference${diverged.length === 1 ? '' : 's'} in ${records} record${records === 1 ? '' : 's'}`
    agreement.dataset['state'] = 'diverged'
  }
}

function seedFirstDevice(): void {
  const first = [...devices.values()][0]
  if (first) send(first, { type: 'accord-demo:seed' })
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.origin === location.origin && isFrameMessage(event.data)) onFrameMessage(event.data as FrameMessage, event.source)
})

// The lab page owns the app shell (its frames do not register): one banner, and its Reload reloads
// the lab and with it every frame.
const shell = startAppShell()
document.body.prepend(updateBanner(shell))
const root = document.getElementById('app')!
replaceChildren(
  root,
  h(
    'header',
    { class: 'lab-head' },
    h('div', {}, h('h1', {}, 'Accord lab'), h('p', { class: 'muted' }, 'Each frame is a separate device with its own local database. Switch one offline, edit on both, switch it back, and watch them reconcile.')),
    h(
      'div',
      { class: 'lab-actions' },
      agreement,
      h('button', { data: { testid: 'lab-seed' }, attrs: { title: 'Written on the first device; the others get it through the hub' }, onclick: seedFirstDevice }, 'Load sample data'),
      h('button', { data: { testid: 'lab-all-offline' }, onclick: () => broadcast({ type: 'accord-demo:network', online: false }) }, 'All offline'),
      h('button', { data: { testid: 'lab-all-online' }, onclick: () => broadcast({ type: 'accord-demo:network', online: true }) }, 'All online'),
      h('button', { data: { testid: 'lab-add-device' }, onclick: () => addDevice(String.fromCharCode(65 + devices.size)) }, '+ Device'),
      h('a', { attrs: { href: './index.html', target: '_blank' } }, 'Open the app alone ↗'),
      appShellTag(shell),
    ),
  ),
  grid,
)
for (const name of (params.get('devices') ?? 'A,B').split(',')) addDevice(name.trim())
;(window as unknown as LabWindow).accordLab = { diverged: () => [...diverged], reporting: () => [...devices.values()].filter((d) => d.snapshot).map((d) => d.name) }
