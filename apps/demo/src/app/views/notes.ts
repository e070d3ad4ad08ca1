/** Notes (custom merge): concurrent edits of a body keep both sides' lines; titles, last writer wins. */
import type { Note } from '../../schema.js'
import { h, setValueUnlessFocused } from '../../shared/dom.js'
import { KeyedList, type ItemView } from '../../shared/keyed-list.js'
import { fieldPath } from '../../shared/messages.js'
import { attempt, newId, type ViewContext } from '../view-context.js'

export function notesView(ctx: ViewContext): HTMLElement {
  const notes = ctx.db.collection('notes')
  const add = h('button', { data: { testid: 'new-note' }, onclick: () => attempt(ctx, () => notes.put({ id: newId('note'), title: 'Untitled', body: '', createdAt: Date.now() })) }, 'New note')
  const body = h('div', { class: 'notes' })
  const list = new KeyedList<Note>(body, (n) => n.id, (n) => noteItem(ctx, n))
  ctx.state.notes$.subscribe((all) => {
    list.render(all)
    ctx.rendered()
  })
  return h(
    'section',
    { class: 'panel', data: { testid: 'notes' } },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Notes'), h('span', { class: 'policy' }, 'custom: bodies merge line by line'), add),
    body,
  )
}

function noteItem(ctx: ViewContext, initial: Note): ItemView<Note> {
  const notes = ctx.db.collection('notes')
  const id = initial.id
  let note = initial
  const title = h('input', {
    class: 'note-title',
    attrs: { 'aria-label': 'Note title', maxlength: 200 },
    data: { testid: 'note-title', path: fieldPath('notes', id, 'title') },
    onchange: () => {
      if (title.value !== note.title) attempt(ctx, () => notes.update(id, { title: title.value }))
    },
  })
  const text = h('textarea', {
    attrs: { rows: 4, 'aria-label': 'Note text', placeholder: 'One idea per line…' },
    data: { testid: 'note-body', path: fieldPath('notes', id, 'body') },
    onchange: () => {
      if (text.value !== note.body) attempt(ctx, () => notes.update(id, { body: text.value }))
    },
  })
  const remove = h('button', { class: 'icon danger', attrs: { title: 'Delete note', 'aria-label': 'Delete note' }, data: { testid: 'note-delete' }, onclick: () => attempt(ctx, () => notes.delete(id)) }, '×')
  const el = h('article', { class: 'note', data: { testid: 'note', id, path: fieldPath('notes', id) } }, h('div', { class: 'note-head' }, title, remove), text)
  return {
    el,
    update(next) {
      note = next
      setValueUnlessFocused(title, next.title)
      setValueUnlessFocused(text, next.body)
    },
  }
}
