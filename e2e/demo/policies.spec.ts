/**
 * Two browser contexts are two devices. One goes offline (context.setOffline in dedicated-Worker
 * mode, the demo's Online/Offline switch, or the hub-side link for a SharedWorker), both edit the
 * same record, it comes back, and both converge to what the collection's policy decides; the
 * conflict log on each device shows the ConflictRecord.
 */
import { expect, test } from '../support/fixtures.js'
import { expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, conflictCell, conflictEntries, edit, goalEl, invoiceEl, loadSample, noteEl, withField } from '../support/board.js'

test('cards (fieldMerge): offline by context.setOffline; the later title wins, votes add up, tags merge', async ({ devices }) => {
  const a = await devices.open({ name: 'A', worker: 'dedicated' })
  const b = await devices.open({ name: 'B', worker: 'dedicated' })
  await loadSample(a, b)

  await b.context.setOffline(true)
  await b.expectConnection('offline')
  // A, online: a title, two votes, a tag.
  await edit(cardEl(a, SAMPLE.card).getByTestId('card-title'), 'Onboarding guide (A)')
  await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
  await cardEl(a, SAMPLE.card).getByTestId('card-vote').click()
  await cardEl(a, SAMPLE.card).getByTestId('card-tag-input').fill('a-tag')
  await cardEl(a, SAMPLE.card).getByTestId('card-tag-input').press('Enter')
  await a.expectPending(0)
  // B, offline and later: another title, one vote, a tag added and one removed.
  await edit(cardEl(b, SAMPLE.card).getByTestId('card-title'), 'Onboarding guide (B)')
  await cardEl(b, SAMPLE.card).getByTestId('card-vote').click()
  await cardEl(b, SAMPLE.card).getByTestId('card-tag-input').fill('b-tag')
  await cardEl(b, SAMPLE.card).getByTestId('card-tag-input').press('Enter')
  await cardEl(b, SAMPLE.card).getByRole('button', { name: 'Remove tag docs' }).click()
  await b.expectPending(4)
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await expect(cardEl(a, SAMPLE.card).getByTestId('card-votes')).toHaveText('4')

  await b.context.setOffline(false)
  await b.expectPending(0, 20_000)
  await settle([a, b])
  const converged = await expectConverged([a, b])
  const card = converged.cards.find((c) => c.id === SAMPLE.card)!
  expect(card.title).toBe('Onboarding guide (B)')
  expect(card.votes).toBe(2 + 2 + 1)
  expect([...card.tags].sort()).toEqual(['a-tag', 'b-tag'])
  for (const device of [a, b]) {
    const entry = withField(conflictEntries(device, 'cards', SAMPLE.card, '[data-policy="fieldMerge"]'), 'title').first()
    await expect(entry).toBeVisible()
    // The base is the title B's write replaced, though a push may leave it out (prev on demand).
    await expect(conflictCell(entry, 'title', 'base')).toHaveText('“Write the onboarding guide”')
    await expect(conflictCell(entry, 'title', 'local')).toHaveText('“Onboarding guide (B)”')
    await expect(conflictCell(entry, 'title', 'remote')).toHaveText('“Onboarding guide (A)”')
    await expect(conflictCell(entry, 'title', 'result')).toHaveText('“Onboarding guide (B)”')
    await expect(entry).toHaveAttribute('data-rejected', 'false')
  }
})

test('invoices (rejectConflicts): offline by the switch; the losing transaction is rolled back on its device and logged', async ({ devices }) => {
  const a = await devices.open({ name: 'A' })
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)
  // A second tab of B: the same replica, so it must show the rollback and the record too.
  const b2 = await devices.openTab(b)

  await b.setSwitch(false)
  await expect(b2.page.getByTestId('connection')).toHaveText('offline (switch)')
  // B: a two-write transaction (amount + note).
  await invoiceEl(b, SAMPLE.invoice).getByTestId('invoice-late-fee').click()
  await expect(invoiceEl(b, SAMPLE.invoice).getByTestId('invoice-amount')).toHaveValue('1225')
  await expect(invoiceEl(b, SAMPLE.invoice).getByTestId('invoice-note')).toHaveText('late fee +25')
  await b.expectPending(2)
  // A, meanwhile: the amount changes on the hub.
  await edit(invoiceEl(a, SAMPLE.invoice).getByTestId('invoice-amount'), '1300')
  await a.expectPending(0)

  await b.setSwitch(true)
  // B's whole transaction is refused: both of its writes are undone on B.
  await expect(invoiceEl(b, SAMPLE.invoice).getByTestId('invoice-amount')).toHaveValue('1300', { timeout: 20_000 })
  await expect(invoiceEl(b, SAMPLE.invoice).getByTestId('invoice-note')).toHaveText('')
  await b.expectPending(0)
  await settle([a, b])
  const converged = await expectConverged([a, b])
  expect(converged.invoices.find((i) => i.id === SAMPLE.invoice)).toMatchObject({ amount: 1300 })
  expect(converged.invoices.find((i) => i.id === SAMPLE.invoice)?.note).toBeUndefined()

  const onB = conflictEntries(b, 'invoices', SAMPLE.invoice, '[data-policy="rejectConflicts"]').first()
  await expect(onB).toHaveAttribute('data-rejected', 'true')
  await expect(onB.getByTestId('conflict-outcome')).toContainText('rolled back on this device')
  await expect(conflictCell(onB, 'amount', 'local')).toHaveText('1225')
  await expect(conflictCell(onB, 'amount', 'remote')).toHaveText('1300')
  await expect(invoiceEl(b2, SAMPLE.invoice).getByTestId('invoice-amount')).toHaveValue('1300')
  await expect(conflictEntries(b2, 'invoices', SAMPLE.invoice, '[data-rejected="true"]').first().getByTestId('conflict-outcome')).toContainText('rolled back on this device')
  const onA = conflictEntries(a, 'invoices', SAMPLE.invoice, '[data-policy="rejectConflicts"]').first()
  await expect(onA).toHaveAttribute('data-rejected', 'true')
  await expect(onA.getByTestId('conflict-outcome')).toContainText('rolled back on the device that made it')

  // Dismissing is per device: gone from both of B's tabs, still on A.
  await onB.getByTestId('conflict-dismiss').click()
  await expect(conflictEntries(b2, 'invoices', SAMPLE.invoice)).toHaveCount(0)
  await expect(conflictEntries(b, 'invoices', SAMPLE.invoice)).toHaveCount(0)
  await expect(onA).toBeVisible()
})

test('notes (custom): both offline at the hub side (SharedWorker); bodies merge line by line, the later title wins', async ({ devices, hub }) => {
  const linkA = await hub.openLink()
  const linkB = await hub.openLink()
  const a = await devices.open({ name: 'A', hubUrl: linkA.url })
  const b = await devices.open({ name: 'B', hubUrl: linkB.url })
  await loadSample(a, b)
  const base = 'Went well: the sync demo\nTo improve: flaky wifi in room 2'

  linkA.cut()
  linkB.cut()
  await edit(noteEl(a, SAMPLE.note).getByTestId('note-body'), `${base}\nAction: new access point (A)`)
  await edit(noteEl(a, SAMPLE.note).getByTestId('note-title'), 'Retro (A)')
  await edit(noteEl(b, SAMPLE.note).getByTestId('note-body'), `Went well: the sync demo\nWent well: pairing (B)\nTo improve: flaky wifi in room 2`)
  await edit(noteEl(b, SAMPLE.note).getByTestId('note-title'), 'Retro (B)')
  await a.expectPending(2)
  await b.expectPending(2)

  linkA.restore()
  await a.expectPending(0, 20_000)
  linkB.restore()
  await b.expectPending(0, 20_000)
  await settle([a, b])
  const converged = await expectConverged([a, b])
  const note = converged.notes.find((n) => n.id === SAMPLE.note)!
  expect(note.body).toBe('Went well: the sync demo\nWent well: pairing (B)\nTo improve: flaky wifi in room 2\nAction: new access point (A)')
  expect(note.title).toBe('Retro (B)')
  await expect(noteEl(a, SAMPLE.note).getByTestId('note-body')).toHaveValue(note.body)
  for (const device of [a, b]) {
    const entry = withField(conflictEntries(device, 'notes', SAMPLE.note, '[data-policy="custom"]'), 'body').first()
    await expect(entry).toBeVisible()
    await expect(conflictCell(entry, 'body', 'result')).toContainText('Went well: pairing (B)')
    await expect(conflictCell(entry, 'body', 'result')).toContainText('Action: new access point (A)')
  }
})

test('goals (manual): the conflict stays open on both devices (and across a reload) until resolved: a merged value, then keep theirs', async ({ devices }) => {
  const a = await devices.open({ name: 'A' })
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)

  await b.setSwitch(false)
  await edit(goalEl(a, SAMPLE.goal).getByTestId('goal-text'), 'Launch the offline beta in May')
  await a.expectPending(0)
  await edit(goalEl(b, SAMPLE.goal).getByTestId('goal-text'), 'Launch the offline beta to 50 users')
  await b.setSwitch(true)
  await b.expectPending(0, 20_000)
  await settle([a, b])

  // The hub kept its value (A's) and opened a conflict that both devices show.
  await expectConverged([a, b])
  for (const device of [a, b]) {
    await expect(goalEl(device, SAMPLE.goal).getByTestId('goal-text')).toHaveValue('Launch the offline beta in May')
    await expect(goalEl(device, SAMPLE.goal)).toHaveClass(/has-conflict/)
    const entry = conflictEntries(device, 'goals', SAMPLE.goal, '[data-policy="manual"][data-open="true"]')
    await expect(entry).toHaveCount(1)
    await expect(entry.getByTestId('resolve')).toBeVisible()
  }
  // Open conflicts are persisted: still there after a reload.
  await b.reload()
  const onB = conflictEntries(b, 'goals', SAMPLE.goal, '[data-open="true"]')
  await expect(onB).toHaveCount(1)
  await expect(onB.getByTestId('keep-mine')).toContainText('to 50 users')
  await expect(onB.getByTestId('keep-theirs')).toContainText('in May')
  await onB.getByTestId('merged-input').fill('Launch the offline beta in May to 50 users')
  await onB.getByTestId('keep-merged').click()

  for (const device of [a, b]) {
    await expect(goalEl(device, SAMPLE.goal).getByTestId('goal-text')).toHaveValue('Launch the offline beta in May to 50 users', { timeout: 20_000 })
    await expect(conflictEntries(device, 'goals', SAMPLE.goal, '[data-open="true"]')).toHaveCount(0)
    await expect(conflictEntries(device, 'goals', SAMPLE.goal, '[data-policy="manual"]').first().getByTestId('conflict-outcome')).toContainText('Resolved')
    await expect(goalEl(device, SAMPLE.goal)).not.toHaveClass(/has-conflict/)
  }
  await settle([a, b])
  await expectConverged([a, b])

  // Another round on the owner field, resolved from A's side: "theirs" there is B's value.
  await b.setSwitch(false)
  await edit(goalEl(a, SAMPLE.goal).getByTestId('goal-owner'), 'Sam and Kim')
  await a.expectPending(0)
  await edit(goalEl(b, SAMPLE.goal).getByTestId('goal-owner'), 'Kim')
  await b.setSwitch(true)
  const onA = conflictEntries(a, 'goals', SAMPLE.goal, '[data-open="true"]')
  await expect(onA).toHaveCount(1, { timeout: 20_000 })
  await expect(onA.getByTestId('keep-theirs')).toContainText('Kim')
  await onA.getByTestId('keep-theirs').click()
  for (const device of [a, b]) {
    await expect(goalEl(device, SAMPLE.goal).getByTestId('goal-owner')).toHaveValue('Kim', { timeout: 20_000 })
    await expect(conflictEntries(device, 'goals', SAMPLE.goal, '[data-open="true"]')).toHaveCount(0)
  }
  await settle([a, b])
  const converged = await expectConverged([a, b])
  expect(converged.goals.find((g) => g.id === SAMPLE.goal)).toMatchObject({ text: 'Launch the offline beta in May to 50 users', owner: 'Kim' })
})
