/**
 * Library bugs the demo found, kept as regression tests once fixed.
 */
import { expect, test } from '../support/fixtures.js'
import { expectConverged, settle } from '../support/device.js'
import { SAMPLE, conflictEntries, goalEl, loadSample } from '../support/board.js'

test('a manual() conflict opened by a delete can be resolved (keep mine brings the goal back)', async ({ devices }) => {
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
