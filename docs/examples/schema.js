// The schema of the README's example, as a module the hub CLI can load:
//   node packages/hub/dist/cli.js --schema docs/examples/schema.js
// scripts/hub.sh and scripts/demo.sh use it when no other schema is given (ACCORD_SCHEMA,
// examples/schema.js). An app imports '@accord/core' instead of this relative path; this file lives
// outside the workspace packages, so it points at the built package directly.
import { defineSchema, fieldMerge, rejectConflicts, manual, counter, set } from '../../packages/core/dist/index.js'

export const schema = defineSchema({
  version: 1,
  collections: {
    // Field-level merge: concurrent edits of different fields both stand; the same field: last
    // writer (by hybrid logical clock) wins. Votes add up; tags merge as a set.
    cards: { indexes: ['listId', 'updatedAt'], policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
    // A conflicting invoice edit discards the whole local transaction, and the writer is told.
    invoices: { policy: rejectConflicts() },
    // Conflicting note edits stay open until someone picks a value with db.resolve().
    notes: { policy: manual() },
  },
})
