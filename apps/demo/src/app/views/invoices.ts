/**
 * Invoices (rejectConflicts): an edit made against a version someone else has since changed is
 * refused with its whole transaction, rolled back on the device that made it, and logged.
 * "Late fee" is a two-write transaction, so a refusal visibly undoes both writes.
 */
import { INVOICE_STATUSES, type Invoice } from '../../schema.js'
import { h, setValueUnlessFocused } from '../../shared/dom.js'
import { KeyedList, type ItemView } from '../../shared/keyed-list.js'
import { fieldPath } from '../../shared/messages.js'
import { attempt, newId, type ViewContext } from '../view-context.js'

export const LATE_FEE = 25

/** Adds the late fee and a note in one transaction: both stand, or neither. */
export async function addLateFee(ctx: Pick<ViewContext, 'db'>, id: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const invoices = tx.collection('invoices')
    const invoice = await invoices.get(id)
    if (!invoice) return
    await invoices.update(id, { amount: invoice.amount + LATE_FEE })
    await invoices.update(id, { note: `late fee +${LATE_FEE}` })
  })
}

export function invoicesView(ctx: ViewContext): HTMLElement {
  const invoices = ctx.db.collection('invoices')
  const customer = h('input', { attrs: { placeholder: 'Customer…', 'aria-label': 'Customer', maxlength: 100 }, data: { testid: 'new-invoice-customer' } })
  const amount = h('input', { attrs: { type: 'number', min: 0, step: 1, placeholder: 'Amount', 'aria-label': 'Amount' }, data: { testid: 'new-invoice-amount' } })
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: (event) => {
        event.preventDefault()
        const name = customer.value.trim()
        const value = Number(amount.value || 0)
        if (!name) return
        customer.value = ''
        amount.value = ''
        attempt(ctx, () => invoices.put({ id: newId('inv'), customer: name, amount: value, status: 'draft', createdAt: Date.now() }))
      },
    },
    customer,
    amount,
    h('button', { attrs: { type: 'submit' } }, 'Add'),
  )
  const body = h('tbody')
  const list = new KeyedList<Invoice>(body, (i) => i.id, (i) => invoiceRow(ctx, i))
  const empty = h('p', { class: 'muted empty' }, 'No invoices yet.')
  ctx.state.invoices$.subscribe((all) => {
    list.render(all)
    empty.hidden = all.length > 0
    ctx.rendered()
  })
  return h(
    'section',
    { class: 'panel', data: { testid: 'invoices' } },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Invoices'), h('span', { class: 'policy' }, 'rejectConflicts'), form),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', {}, 'Customer'), h('th', {}, 'Amount'), h('th', {}, 'Status'), h('th', {}, 'Note'), h('th'))), body),
    empty,
  )
}

function invoiceRow(ctx: ViewContext, initial: Invoice): ItemView<Invoice> {
  const invoices = ctx.db.collection('invoices')
  const id = initial.id
  let invoice = initial
  const customer = h('input', {
    attrs: { 'aria-label': 'Customer', maxlength: 100 },
    data: { testid: 'invoice-customer', path: fieldPath('invoices', id, 'customer') },
    onchange: () => {
      const value = customer.value.trim()
      if (value && value !== invoice.customer) attempt(ctx, () => invoices.update(id, { customer: value }))
      else customer.value = invoice.customer
    },
  })
  const amount = h('input', {
    class: 'num',
    attrs: { type: 'number', min: 0, step: 1, 'aria-label': 'Amount' },
    data: { testid: 'invoice-amount', path: fieldPath('invoices', id, 'amount') },
    onchange: () => {
      const value = Number(amount.value)
      if (amount.value !== '' && Number.isFinite(value) && value !== invoice.amount) attempt(ctx, () => invoices.update(id, { amount: value }))
      else amount.value = String(invoice.amount)
    },
  })
  const status = h(
    'select',
    {
      attrs: { 'aria-label': 'Status' },
      data: { testid: 'invoice-status', path: fieldPath('invoices', id, 'status') },
      onchange: () => attempt(ctx, () => invoices.update(id, { status: status.value as Invoice['status'] })),
    },
    INVOICE_STATUSES.map((s) => h('option', { value: s }, s)),
  )
  const note = h('span', { class: 'small', data: { testid: 'invoice-note', path: fieldPath('invoices', id, 'note') } })
  const el = h(
    'tr',
    { data: { testid: 'invoice', id, path: fieldPath('invoices', id) } },
    h('td', {}, customer),
    h('td', {}, amount),
    h('td', {}, status),
    h('td', {}, note),
    h(
      'td',
      { class: 'actions' },
      h('button', { class: 'small-button', attrs: { title: `Amount +${LATE_FEE} and a note, in one transaction` }, data: { testid: 'invoice-late-fee' }, onclick: () => attempt(ctx, () => addLateFee(ctx, id)) }, `+${LATE_FEE} late fee`),
      h('button', { class: 'icon danger', attrs: { title: 'Delete invoice', 'aria-label': 'Delete invoice' }, data: { testid: 'invoice-delete' }, onclick: () => attempt(ctx, () => invoices.delete(id)) }, '×'),
    ),
  )
  return {
    el,
    update(next) {
      invoice = next
      setValueUnlessFocused(customer, next.customer)
      setValueUnlessFocused(amount, String(next.amount))
      setValueUnlessFocused(status, next.status)
      note.textContent = next.note ?? ''
    },
  }
}
