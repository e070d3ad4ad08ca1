/**
 * The schema every figure uses (hub, Node clients, browser fixture): one collection of ~200-byte
 * records with one index, under the default policy (fieldMerge, per-field last-writer-wins).
 */
import { defineSchema } from '@accord/core'

export const schema = defineSchema({
  version: 1,
  collections: {
    items: { indexes: ['listId'] },
  },
})

/** One benchmark record. */
export interface Item {
  [field: string]: string | number | boolean
  id: string
  listId: string
  title: string
  done: boolean
  rank: number
  updatedAt: string
}

const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore'

/** Record `i` of a run: about 200 bytes of JSON, deterministic. */
export function makeItem(i: number, prefix = 'item'): Item {
  return {
    id: `${prefix}-${String(i).padStart(7, '0')}`,
    listId: `list-${i % 100}`,
    title: `${FILLER.slice(0, 70 + (i % 7))} #${i}`,
    done: i % 3 === 0,
    rank: i,
    updatedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  }
}
