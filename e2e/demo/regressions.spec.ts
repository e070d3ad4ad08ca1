/**
 * Library bugs the demo found, each kept as a failing test (`test.fail`: the run stays green while
 * the bug is there, and turns red the day it is fixed, so the annotation gets removed).
 */
import { expect, test } from '../support/fixtures.js'
import { expectConverged, settle } from '../support/device.js'
import { SAMPLE, conflictEntries, goalEl, loadSample } from '../support/board.js'

test('a manual() conflict opened by a delete can be resolved (keep mine brings the goal back)', async ({ devices }) => {
  test.fail(
    true,
    'BUG: db.resolve() on an open manual() conflict whose record was deleted rejects locally with not_found ' +
      '(core planLocalOp handles `resolve` like `update` and requires a visible record), so such a conflict can never ' +
      'be closed, and open manual conflicts are never purged.',
  )
  const a = await devices.open({ name: 'A' })
  const b = await devices.open({ name: 'B' })
  await loadSample(a, b)

  await b.setSwitch(false)
  await goalEl(a, SAMPLE.goal).getByTestId('goal-delete').click()
  await a.expectPending(0)
  await goalEl(b, SAMPLE.goal).getByTestId('goal-text').fill('Launch the offline beta, still')
  await goalEl(b, SAMPLE.goal).getByTestId('goal-text').blur()
  await b.setSwitch(true)
  await b.expectPending(0, 20_000)
  await settle([a, b])

  // DESIGN §4: under manual() the delete stays and a conflict opens, on both devices.
  for (const device of [a, b]) {
    await expect(goalEl(device, SAMPLE.goal)).toHaveCount(0)
    await expect(conflictEntries(device, 'goals', SAMPLE.goal, '[data-open="true"]')).toHaveCount(1)
  }
  const error = await b.run(async (demo, key) => {
    const conflict = demo.conflicts().find((c) => c.open && c.key === key)!
    try {
      await demo.db.resolve(conflict.id, { text: 'Launch the offline beta, still' })
      return undefined
    } catch (e) {
      return `${(e as { code?: string }).code}: ${(e as Error).message}`
    }
  }, SAMPLE.goal)
  expect(error, 'db.resolve() of a conflict on a deleted record').toBeUndefined()
  for (const device of [a, b]) await expect(conflictEntries(device, 'goals', SAMPLE.goal, '[data-open="true"]')).toHaveCount(0, { timeout: 20_000 })
  await expectConverged([a, b])
})
