/** Locators and small actions on the demo's UI, shared by the specs. */
import { expect, type Locator } from '@playwright/test'
import type { Device } from './device.js'

export const SAMPLE = { card: 'card-onboarding', invoice: 'inv-acme', note: 'note-retro', goal: 'goal-q3' } as const

/** Loads the sample data on `first` and waits until every other device shows it. */
export async function loadSample(first: Device, ...others: Device[]): Promise<void> {
  await first.page.getByTestId('load-sample').click()
  for (const device of [first, ...others]) await expect(device.page.getByTestId('card')).toHaveCount(3, { timeout: 20_000 })
  for (const device of [first, ...others]) await expect(device.page.getByTestId('goal')).toHaveCount(1)
}

export const cardEl = (d: Device, id: string): Locator => d.page.locator(`[data-testid="card"][data-id="${id}"]`)
export const invoiceEl = (d: Device, id: string): Locator => d.page.locator(`[data-testid="invoice"][data-id="${id}"]`)
export const noteEl = (d: Device, id: string): Locator => d.page.locator(`[data-testid="note"][data-id="${id}"]`)
export const goalEl = (d: Device, id: string): Locator => d.page.locator(`[data-testid="goal"][data-id="${id}"]`)

/** Types into an input or textarea and commits it (the app writes on `change`). */
export async function edit(field: Locator, value: string): Promise<void> {
  await field.fill(value)
  await field.blur()
}

/** The conflict log's entries on a device for one record (newest first). */
export function conflictEntries(d: Device, col: string, key: string, extra = ''): Locator {
  return d.page.locator(`[data-testid="conflict-log"] [data-testid="conflict"][data-col="${col}"][data-key="${key}"]${extra}`)
}

/** The conflict entries that include `field` among their fields. */
export function withField(entries: Locator, field: string): Locator {
  return entries.filter({ has: entries.page().locator(`tr[data-field="${field}"]`) })
}

/** A value cell of a conflict entry: `cell` is base, local, remote or result. */
export function conflictCell(entry: Locator, field: string, cell: 'base' | 'local' | 'remote' | 'result'): Locator {
  return entry.locator(`tr[data-field="${field}"] td[data-cell="${cell}"]`)
}
