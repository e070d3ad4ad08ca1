/**
 * `db.collection(name)` and `tx.collection(name)`: each call becomes one `LocalOp`, handed to a
 * backend that writes it at once (a replica) or buffers it (a transaction).
 */
import type { JsonValue, RecordValue } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import type { Observable } from 'rxjs'
import type { FindQuery } from '../shared/worker-api.js'
import type { AnyRecord, Collection, Query, TransactionCollection } from './types.js'

/** Where a collection's operations go. */
export interface CollectionBackend {
  write(op: LocalOp): Promise<void>
  get(col: string, key: string): Promise<RecordValue | undefined>
  find(col: string, query: FindQuery): Promise<RecordValue[]>
}

/** Live reads of a collection. */
export interface LiveBackend {
  get$(col: string, key: string): Observable<RecordValue | undefined>
  find$(col: string, query: FindQuery): Observable<RecordValue[]>
}

/** The untyped query the runtime takes. Typed queries only narrow field names and values. */
export function toFindQuery<R>(query: Query<R> | undefined): FindQuery {
  return (query ?? {}) as FindQuery
}

/** Elements of a set op, as JSON. */
function elementsOf(elements: readonly unknown[]): JsonValue[] {
  return elements as JsonValue[]
}

/** A collection whose operations go to `backend` (a transaction's buffer, or the replica). */
export function createTransactionCollection<R extends AnyRecord>(col: string, backend: CollectionBackend): TransactionCollection<R> {
  return {
    name: col,
    put: (record) => backend.write({ op: 'put', col, value: record as unknown as RecordValue }),
    update: (key, patch) => backend.write({ op: 'update', col, key, patch: patch as { [field: string]: JsonValue | undefined } }),
    increment: (key, field, by = 1) => backend.write({ op: 'increment', col, key, field, by }),
    addToSet: (key, field, ...elements) => backend.write({ op: 'addToSet', col, key, field, elements: elementsOf(elements) }),
    removeFromSet: (key, field, ...elements) => backend.write({ op: 'removeFromSet', col, key, field, elements: elementsOf(elements) }),
    delete: (key) => backend.write({ op: 'delete', col, key }),
    get: async (key) => (await backend.get(col, key)) as R | undefined,
    find: async (query) => (await backend.find(col, toFindQuery(query))) as unknown as R[],
  }
}

/** A replica's collection: the operations plus live reads. */
export function createCollection<R extends AnyRecord>(col: string, backend: CollectionBackend, live: LiveBackend): Collection<R> {
  return {
    ...createTransactionCollection<R>(col, backend),
    get$: (key) => live.get$(col, key) as Observable<R | undefined>,
    find$: (query) => live.find$(col, toFindQuery(query)) as unknown as Observable<R[]>,
  }
}
