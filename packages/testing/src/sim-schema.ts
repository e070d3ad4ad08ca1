import { counter, custom, defineSchema, fieldMerge, lastWriterWins, manual, reject, rejectConflicts, set, type CustomMergeInput, type Schema, type StandardSchemaV1 } from '@accord/core'

/**
 * A schema validator that accepts `lo`/`hi` alone but refuses a record with lo > hi: each side's
 * write is valid, yet a field merge of two of them can fail, the case a merged record must be
 * rejected for.
 */
const orderedRange: StandardSchemaV1<Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'accord-sim',
    validate(value) {
      const v = value as Record<string, unknown>
      if (typeof v['lo'] === 'number' && typeof v['hi'] === 'number' && v['lo'] > v['hi']) {
        return { issues: [{ message: 'lo must not exceed hi', path: ['lo'] }] }
      }
      return { value: v }
    },
  },
}

/**
 * The simulator's default schema: one collection per policy, with counters and sets. `observe`
 * sees every input of the `notes` custom merge (the simulator checks the `base` it was given).
 */
export function createSimSchema(observe?: (input: CustomMergeInput) => void): Schema {
  return defineSchema({
    version: 1,
    collections: {
      cards: { schema: orderedRange, policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
      invoices: { policy: rejectConflicts({ fields: { paid: counter() } }) },
      notes: {
        policy: custom((input) => {
          observe?.(structuredClone(input))
          const { local, remote, fields } = input
          const out: Record<string, string | number | null> = {}
          for (const f of fields) {
            const mine = local?.[f]
            const theirs = remote?.[f]
            if (typeof mine === 'string' && mine.includes('veto')) return reject
            // Deterministic, order-independent: keep the larger of the two canonical values.
            out[f] = JSON.stringify(mine ?? null) > JSON.stringify(theirs ?? null) ? ((mine ?? null) as string | number | null) : ((theirs ?? null) as string | number | null)
          }
          return out
        }),
      },
      tasks: { policy: lastWriterWins({ fields: { done: counter() } }) },
      docs: { policy: manual({ fields: { tags: set() } }) },
      counters: { policy: fieldMerge({ fields: { n: counter() } }) },
    },
  })
}

/** The default schema, unobserved. */
export const simSchema = createSimSchema()
