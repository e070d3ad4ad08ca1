/**
 * The conflict log: every ConflictRecord this replica holds, newest first, with the base, local,
 * remote and result of each conflicting field, the policy that decided, and refused transactions.
 * Open manual() conflicts get a resolve panel: keep mine, keep theirs, or a merged value.
 */
import type { ConflictRecord } from '@accord/client'
import { h } from '../../shared/dom.js'
import { KeyedList, type ItemView } from '../../shared/keyed-list.js'
import { attempt, type ViewContext } from '../view-context.js'

type Values = { [field: string]: unknown } | undefined

export function conflictLogView(ctx: ViewContext): HTMLElement {
  const body = h('ol', { class: 'conflicts', data: { testid: 'conflict-list' } })
  const count = h('span', { class: 'badge zero', data: { testid: 'conflict-count' } })
  const empty = h('p', { class: 'muted empty' }, 'No conflicts yet. Take a device offline, edit the same thing on two devices, and bring it back.')
  const list = new KeyedList<ConflictRecord>(body, (c) => `${c.id}:${c.open ? 'open' : 'closed'}:${c.closedBy ?? ''}`, (c) => conflictItem(ctx, c))
  ctx.state.conflicts$.subscribe((all) => {
    list.render(all)
    count.textContent = String(all.length)
    count.classList.toggle('zero', all.length === 0)
    empty.hidden = all.length > 0
  })
  return h('section', { class: 'panel', data: { testid: 'conflict-log' } }, h('div', { class: 'panel-head' }, h('h2', {}, 'Conflict log ', count)), empty, body)
}

function conflictItem(ctx: ViewContext, record: ConflictRecord): ItemView<ConflictRecord> {
  const mineIsLocal = record.by === ctx.db.replicaId
  const who = mineIsLocal ? 'this device' : (ctx.deviceNames.get(record.by) ?? `another device (${record.by.slice(0, 6)})`)
  const fields = record.fields.length > 0 ? record.fields : Object.keys(record.local ?? {}).filter((f) => f !== 'id')
  const table = h(
    'table',
    { class: 'values' },
    h('thead', {}, h('tr', {}, h('th', {}, 'field'), h('th', {}, 'base'), h('th', { attrs: { title: `the change by ${who}` } }, mineIsLocal || ctx.deviceNames.has(record.by) ? `local (${who})` : 'local'), h('th', {}, 'remote (hub)'), h('th', {}, 'result'))),
    h(
      'tbody',
      {},
      fields.map((field) =>
        h(
          'tr',
          { data: { field } },
          h('th', {}, field),
          h('td', { data: { cell: 'base' } }, show(record.base, field)),
          h('td', { data: { cell: 'local' } }, record.local === undefined ? 'deleted' : show(record.local, field)),
          h('td', { data: { cell: 'remote' } }, record.remote === undefined ? 'absent' : show(record.remote, field)),
          h('td', { data: { cell: 'result' } }, record.rejected ? show(record.remote, field) : record.result === undefined ? 'deleted' : show(record.result, field)),
        ),
      ),
    ),
  )
  const el = h(
    'li',
    {
      class: { conflict: true, rejected: record.rejected, open: record.open === true },
      data: { testid: 'conflict', id: record.id, policy: record.policy, col: record.col, key: record.key, rejected: String(record.rejected), open: String(record.open === true), code: record.code },
    },
    h(
      'div',
      { class: 'conflict-head' },
      h('span', { class: 'seq' }, `#${record.id}`),
      h('span', { class: 'policy', data: { testid: 'conflict-policy' } }, record.policy),
      h('code', {}, `${record.col}/${record.key}`),
      h('span', { class: 'muted small' }, `change by ${who}`),
      h('button', { class: 'icon dismiss', attrs: { title: 'Dismiss on this device', 'aria-label': 'Dismiss' }, data: { testid: 'conflict-dismiss' }, onclick: () => attempt(ctx, () => ctx.state.dismissConflict(record.id)) }, '×'),
    ),
    h('p', { class: 'outcome', data: { testid: 'conflict-outcome' } }, outcome(record, mineIsLocal)),
    table,
    record.open ? resolvePanel(ctx, record, fields, mineIsLocal) : null,
  )
  return { el, update: () => undefined }
}

function outcome(record: ConflictRecord, mineIsLocal: boolean): string {
  if (record.rejected) {
    const where = mineIsLocal ? 'rolled back on this device' : 'rolled back on the device that made it'
    return `Rejected: transaction ${record.tx} (${record.code}) discarded as a whole, ${where}.`
  }
  if (record.policy === 'manual') {
    if (record.open) return 'Open: the hub kept its value; both versions wait for a decision.'
    return record.closedBy ? `Resolved by commit #${record.closedBy}.` : 'Resolved.'
  }
  if (record.policy === 'custom') return 'Merged by the schema’s custom function.'
  if (record.policy === 'fieldMerge') return 'Merged field by field: counters and sets combined, the rest by the later write.'
  return `Settled by ${record.policy}.`
}

function resolvePanel(ctx: ViewContext, record: ConflictRecord, fields: string[], mineIsLocal: boolean): HTMLElement {
  const local = record.local as Values
  const remote = record.remote as Values
  const mine = pick(mineIsLocal ? local : remote, fields)
  const theirs = pick(mineIsLocal ? remote : local, fields)
  const inputs = new Map<string, HTMLInputElement>()
  const resolve = (values: { [field: string]: string | number | boolean | null }) => attempt(ctx, () => ctx.db.resolve(record.id, values))
  return h(
    'div',
    { class: 'resolve', data: { testid: 'resolve' } },
    h('button', { class: 'primary', data: { testid: 'keep-mine' }, onclick: () => resolve(mine) }, 'Keep mine ', h('small', {}, summary(mine))),
    h('button', { data: { testid: 'keep-theirs' }, onclick: () => resolve(theirs) }, 'Keep theirs ', h('small', {}, summary(theirs))),
    h(
      'form',
      {
        class: 'merged',
        onsubmit: (event) => {
          event.preventDefault()
          const values: { [field: string]: string } = {}
          for (const [field, input] of inputs) values[field] = input.value
          resolve(values)
        },
      },
      fields.map((field) => {
        const input = h('input', { value: mergedGuess(mine[field], theirs[field]), attrs: { 'aria-label': `Merged ${field}` }, data: { testid: 'merged-input', field } })
        inputs.set(field, input)
        return input
      }),
      h('button', { attrs: { type: 'submit' }, data: { testid: 'keep-merged' } }, 'Save merged'),
    ),
  )
}

function pick(values: Values, fields: string[]): { [field: string]: string | number | boolean | null } {
  const out: { [field: string]: string | number | boolean | null } = {}
  for (const field of fields) {
    const value = values?.[field]
    out[field] = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : null
  }
  return out
}

function mergedGuess(a: unknown, b: unknown): string {
  const left = a === null || a === undefined ? '' : String(a)
  const right = b === null || b === undefined ? '' : String(b)
  return left === right || right === '' ? left : left === '' ? right : `${left} / ${right}`
}

function summary(values: { [field: string]: unknown }): string {
  return Object.values(values)
    .map((v) => (typeof v === 'string' ? `“${v}”` : JSON.stringify(v)))
    .join(', ')
}

function show(values: Values, field: string): string {
  const value = values?.[field]
  if (value === undefined) return '—'
  return typeof value === 'string' ? `“${value}”` : JSON.stringify(value)
}
