/**
 * Cards in three columns (fieldMerge): edit the title, vote (a counter: concurrent votes add up),
 * tag (a set: concurrent adds and removes merge), move between columns, delete.
 */
import { CARD_STATUSES, type Card, type CardStatus } from '../../schema.js'
import { h, setValueUnlessFocused } from '../../shared/dom.js'
import { KeyedList, type ItemView } from '../../shared/keyed-list.js'
import { fieldPath } from '../../shared/messages.js'
import { attempt, newId, type ViewContext } from '../view-context.js'

const COLUMN_TITLES: Record<CardStatus, string> = { todo: 'To do', doing: 'Doing', done: 'Done' }

export function boardView(ctx: ViewContext): HTMLElement {
  const cards = ctx.db.collection('cards')
  const input = h('input', { attrs: { placeholder: 'New card…', 'aria-label': 'New card title', maxlength: 200 }, data: { testid: 'new-card-title' } })
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: (event) => {
        event.preventDefault()
        const title = input.value.trim()
        if (!title) return
        input.value = ''
        attempt(ctx, () => cards.put({ id: newId('card'), title, status: 'todo', votes: 0, tags: [], createdAt: Date.now() }))
      },
    },
    input,
    h('button', { attrs: { type: 'submit' } }, 'Add'),
  )
  const lists = new Map<CardStatus, KeyedList<Card>>()
  const counts = new Map<CardStatus, HTMLElement>()
  const columns = CARD_STATUSES.map((status) => {
    const body = h('div', { class: 'column-body' })
    const count = h('span', { class: 'muted small' })
    counts.set(status, count)
    lists.set(status, new KeyedList<Card>(body, (c) => c.id, (c) => cardItem(ctx, c)))
    return h('section', { class: `column column-${status}`, data: { testid: `column-${status}` } }, h('h3', {}, COLUMN_TITLES[status], ' ', count), body)
  })
  ctx.state.cards$.subscribe((all) => {
    for (const status of CARD_STATUSES) {
      const inColumn = all.filter((c) => c.status === status)
      lists.get(status)?.render(inColumn)
      counts.get(status)!.textContent = String(inColumn.length)
    }
    ctx.rendered()
  })
  return h(
    'section',
    { class: 'panel', data: { testid: 'board' } },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Board'), h('span', { class: 'policy' }, 'fieldMerge · votes: counter · tags: set'), form),
    h('div', { class: 'columns' }, columns),
  )
}

function cardItem(ctx: ViewContext, initial: Card): ItemView<Card> {
  const cards = ctx.db.collection('cards')
  const id = initial.id
  let card = initial
  // A one-line textarea that wraps long titles; Enter commits instead of adding a line.
  const title = h('textarea', {
    class: 'card-title',
    attrs: { 'aria-label': 'Card title', maxlength: 200, rows: 1 },
    data: { testid: 'card-title', path: fieldPath('cards', id, 'title') },
    onchange: () => {
      const value = title.value.replace(/\s+/g, ' ').trim()
      if (value && value !== card.title) attempt(ctx, () => cards.update(id, { title: value }))
      else title.value = card.title
    },
    onkeydown: (event) => {
      if (event.key !== 'Enter') return
      event.preventDefault()
      title.blur()
    },
  })
  const votes = h('span', { data: { testid: 'card-votes' } })
  const vote = h(
    'button',
    { class: 'vote', attrs: { title: 'Vote (a counter: everyone’s votes add up)' }, data: { testid: 'card-vote', path: fieldPath('cards', id, 'votes') }, onclick: () => attempt(ctx, () => cards.increment(id, 'votes', 1)) },
    '▲ ',
    votes,
  )
  const tags = h('span', { class: 'tags', data: { testid: 'card-tags', path: fieldPath('cards', id, 'tags') } })
  const tagInput = h('input', {
    class: 'tag-input',
    attrs: { placeholder: '+ tag', 'aria-label': 'Add a tag', maxlength: 24 },
    data: { testid: 'card-tag-input' },
    onkeydown: (event) => {
      if (event.key !== 'Enter') return
      const tag = tagInput.value.trim()
      tagInput.value = ''
      if (tag) attempt(ctx, () => cards.addToSet(id, 'tags', tag))
    },
  })
  const status = h('span', { class: 'card-status small', data: { testid: 'card-status', path: fieldPath('cards', id, 'status') } })
  const move = (step: number) => () => {
    const next = CARD_STATUSES[CARD_STATUSES.indexOf(card.status) + step]
    if (next) attempt(ctx, () => cards.update(id, { status: next }))
  }
  const left = h('button', { class: 'icon', attrs: { title: 'Move left', 'aria-label': 'Move left' }, data: { testid: 'card-left' }, onclick: move(-1) }, '←')
  const right = h('button', { class: 'icon', attrs: { title: 'Move right', 'aria-label': 'Move right' }, data: { testid: 'card-right' }, onclick: move(1) }, '→')
  const remove = h('button', { class: 'icon danger', attrs: { title: 'Delete card', 'aria-label': 'Delete card' }, data: { testid: 'card-delete' }, onclick: () => attempt(ctx, () => cards.delete(id)) }, '×')
  const el = h(
    'article',
    { class: 'card', data: { testid: 'card', id, path: fieldPath('cards', id) } },
    title,
    h('div', { class: 'card-row' }, vote, tags, tagInput),
    h('div', { class: 'card-row card-actions' }, left, status, right, remove),
  )
  return {
    el,
    update(next) {
      card = next
      setValueUnlessFocused(title, next.title)
      votes.textContent = String(next.votes)
      status.textContent = next.status
      left.disabled = next.status === CARD_STATUSES[0]
      right.disabled = next.status === CARD_STATUSES[CARD_STATUSES.length - 1]
      tags.replaceChildren(
        ...next.tags.map((tag) =>
          h(
            'span',
            { class: 'tag', data: { testid: 'tag' } },
            tag,
            h('button', { class: 'tag-remove', attrs: { title: `Remove ${tag}`, 'aria-label': `Remove tag ${tag}` }, onclick: () => attempt(ctx, () => cards.removeFromSet(id, 'tags', tag)) }, '×'),
          ),
        ),
      )
    },
  }
}
