import { canonicalJson, type JsonValue } from '../model/json.js'
import type { SetField } from './types.js'

/**
 * A set field: an array changed by `add`/`remove` deltas applied in hub order. Elements compare by
 * canonical JSON; the array keeps the hub's insertion order, which every synced replica shows.
 */
export function set(): SetField {
  return { kind: 'set' }
}

/** Applies removals then additions, in the order given, to a set field's array. */
export function applySetDelta(current: unknown, add: readonly JsonValue[] = [], remove: readonly JsonValue[] = []): JsonValue[] {
  const items = Array.isArray(current) ? (current as JsonValue[]).slice() : []
  const keys = items.map(canonicalJson)
  for (const element of remove) {
    const at = keys.indexOf(canonicalJson(element))
    if (at >= 0) {
      items.splice(at, 1)
      keys.splice(at, 1)
    }
  }
  for (const element of add) {
    const key = canonicalJson(element)
    if (!keys.includes(key)) {
      items.push(element)
      keys.push(key)
    }
  }
  return items
}

/** The add/remove delta that turns `from` into `to` (as sets). */
export function diffSets(from: readonly JsonValue[], to: readonly JsonValue[]): { add: JsonValue[]; remove: JsonValue[] } {
  const fromKeys = new Set(from.map(canonicalJson))
  const toKeys = new Set(to.map(canonicalJson))
  return {
    add: to.filter((e) => !fromKeys.has(canonicalJson(e))),
    remove: from.filter((e) => !toKeys.has(canonicalJson(e))),
  }
}
