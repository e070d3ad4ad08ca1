import type { CounterField } from './types.js'

/** A counter field: `inc` deltas add up on the hub, so concurrent increments never conflict. */
export function counter(): CounterField {
  return { kind: 'counter' }
}

/** Adds a delta to a counter value; a missing or non-numeric value counts as 0. */
export function applyIncrement(current: unknown, delta: number): number {
  return (typeof current === 'number' ? current : 0) + delta
}
