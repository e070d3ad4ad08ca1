import { counter, defineSchema, fieldMerge, set } from '@accord/core'

export const schema = defineSchema({
  version: 1,
  collections: {
    cards: { indexes: ['listId'], policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
  },
})
