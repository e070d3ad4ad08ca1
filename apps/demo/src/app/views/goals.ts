/**
 * Team goals (manual): a conflicting edit keeps the hub's value and opens a conflict that waits for
 * a person; the conflict log offers keep mine, keep theirs, or a merged value.
 */
import type { Goal } from '../../schema.js'
import { h, setValueUnlessFocused } from '../../shared/dom.js'
import { KeyedList, type ItemView } from '../../shared/keyed-list.js'
import { fieldPath } from '../../shared/messages.js'
import { attempt, newId, type ViewContext } from '../view-context.js'

export function goalsView(ctx: ViewContext): HTMLElement {
  const goals = ctx.db.collection('goals')
  const input = h('input', { attrs: { placeholder: 'New goal…', 'aria-label': 'New goal', maxlength: 300 }, data: { testid: 'new-goal-text' } })
  const form = h(
    'form',
    {
      class: 'add-form',
      onsubmit: (event) => {
        event.preventDefault()
        const text = input.value.trim()
        if (!text) return
        input.value = ''
        attempt(ctx, () => goals.put({ id: newId('goal'), text, owner: '', createdAt: Date.now() }))
      },
    },
    input,
    h('button', { attrs: { type: 'submit' } }, 'Add'),
  )
  const body = h('ul', { class: 'goals' })
  const list = new KeyedList<Goal>(body, (g) => g.id, (g) => goalItem(ctx, g))
  const render = (): void => {
    list.render(ctx.state.goals$.value)
    const open = new Set(ctx.state.conflicts$.value.filter((c) => c.open && c.col === 'goals').map((c) => c.key))
    for (const item of body.querySelectorAll<HTMLElement>('[data-testid="goal"]')) item.classList.toggle('has-conflict', open.has(item.dataset['id'] ?? ''))
    ctx.rendered()
  }
  ctx.state.goals$.subscribe(render)
  ctx.state.conflicts$.subscribe(render)
  return h(
    'section',
    { class: 'panel', data: { testid: 'goals' } },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Team goals'), h('span', { class: 'policy' }, 'manual: a person decides'), form),
    body,
  )
}

function goalItem(ctx: ViewContext, initial: Goal): ItemView<Goal> {
  const goals = ctx.db.collection('goals')
  const id = initial.id
  let goal = initial
  const text = h('input', {
    class: 'goal-text',
    attrs: { 'aria-label': 'Goal', maxlength: 300 },
    data: { testid: 'goal-text', path: fieldPath('goals', id, 'text') },
    onchange: () => {
      const value = text.value.trim()
      if (value && value !== goal.text) attempt(ctx, () => goals.update(id, { text: value }))
      else text.value = goal.text
    },
  })
  const owner = h('input', {
    class: 'goal-owner',
    attrs: { 'aria-label': 'Owner', placeholder: 'owner', maxlength: 100 },
    data: { testid: 'goal-owner', path: fieldPath('goals', id, 'owner') },
    onchange: () => {
      if (owner.value !== goal.owner) attempt(ctx, () => goals.update(id, { owner: owner.value.trim() }))
    },
  })
  const flag = h('span', { class: 'conflict-flag', attrs: { title: 'Open conflict: resolve it in the conflict log' } }, '⚠ open conflict')
  const remove = h('button', { class: 'icon danger', attrs: { title: 'Delete goal', 'aria-label': 'Delete goal' }, data: { testid: 'goal-delete' }, onclick: () => attempt(ctx, () => goals.delete(id)) }, '×')
  const el = h('li', { class: 'goal', data: { testid: 'goal', id, path: fieldPath('goals', id) } }, text, owner, flag, remove)
  return {
    el,
    update(next) {
      goal = next
      setValueUnlessFocused(text, next.text)
      setValueUnlessFocused(owner, next.owner)
    },
  }
}
