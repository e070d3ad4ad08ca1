/**
 * Compile-time checks of the page API's types (tsd-style: this file passes when it type-checks;
 * `tsc -b` checks it with the page project). Nothing here runs.
 */
import { counter, defineSchema, fieldMerge, set, type StandardSchemaV1 } from '@accord/core'
import type { Observable } from 'rxjs'
import type { ReplicaStatus } from '../shared/worker-api.js'
import type { Collection, Replica } from './types.js'

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<T extends true>(): T | undefined {
  return undefined
}

interface Card {
  id: string
  listId: string
  title: string
  votes: number
  tags: string[]
  note?: string
}

/** A Standard Schema whose output is `Card` (what zod, valibot or arktype would give). */
declare const Card: StandardSchemaV1<Card, Card>

const schema = defineSchema({
  version: 1,
  collections: {
    cards: { indexes: ['listId'], schema: Card, policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) },
    loose: {},
  },
})

export async function typedCollections(db: Replica<typeof schema>): Promise<void> {
  const cards = db.collection('cards')
  assertType<Equal<typeof cards, Collection<Card & { id: string }>>>()

  const card = await cards.get('c1')
  assertType<Equal<typeof card, (Card & { id: string }) | undefined>>()
  const list = await cards.find({ where: { listId: 'l1', votes: { gte: 2 } }, orderBy: { field: 'votes', direction: 'desc' }, limit: 10 })
  assertType<Equal<typeof list, Array<Card & { id: string }>>>()
  assertType<Equal<ReturnType<typeof cards.get$>, Observable<(Card & { id: string }) | undefined>>>()
  assertType<Equal<typeof db.status$, Observable<ReplicaStatus>>>()

  await cards.put({ id: 'c1', listId: 'l1', title: 'Hi', votes: 0, tags: [] })
  await cards.update('c1', { title: 'Hello', note: undefined })
  await cards.increment('c1', 'votes', 1)
  await cards.addToSet('c1', 'tags', 'urgent')
  await cards.removeFromSet('c1', 'tags', 'urgent', 'red')

  // @ts-expect-error: not a collection of the schema
  db.collection('nope')
  // @ts-expect-error: a record needs its fields
  await cards.put({ id: 'c2' })
  // @ts-expect-error: title is a string
  await cards.update('c1', { title: 3 })
  // @ts-expect-error: only number fields count
  await cards.increment('c1', 'title', 1)
  // @ts-expect-error: set elements are strings
  await cards.addToSet('c1', 'tags', 3)
  // @ts-expect-error: only array fields are sets
  await cards.addToSet('c1', 'votes', 1)
  // @ts-expect-error: no such field to order by
  await cards.find({ orderBy: 'nope' })

  await db.transaction(async (tx) => {
    const inTx = await tx.collection('cards').get('c1')
    assertType<Equal<typeof inTx, (Card & { id: string }) | undefined>>()
  })

  // A collection without a Standard Schema reads plain JSON records.
  const loose = await db.collection('loose').get('x')
  assertType<Equal<typeof loose, ({ [field: string]: import('@accord/core').JsonValue } & { id: string }) | undefined>>()
}
