import { AccordError } from '../model/errors.js'
import type { RecordValue } from '../model/json.js'
import type { CollectionPolicy, FieldPolicy } from '../policies/types.js'
import type { StandardSchemaV1 } from './standard-schema.js'

/** One collection's definition in the shared schema module. */
export interface CollectionDef<S extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined> {
  /** Dexie index definitions (`'listId'`, `'[listId+updatedAt]'`, …); `id` is always the key. */
  indexes?: readonly string[]
  /** Optional Standard Schema validating the whole record after every local transaction. */
  schema?: S
  /** Merge policy; `fieldMerge()` when omitted. */
  policy?: CollectionPolicy
}

export interface SchemaInput {
  /** Schema version: bump it when collections or indexes change. Hub and replicas must agree. */
  version: number
  collections: { [name: string]: CollectionDef }
}

/** A defined schema: the input, frozen, plus resolved lookups both sides use. */
export interface Schema<C extends SchemaInput['collections'] = SchemaInput['collections']> {
  readonly version: number
  readonly collections: C
  /** The resolved policy and field kinds of a collection; throws `unknown_collection`. */
  collection(name: string): ResolvedCollection
  has(name: string): boolean
  readonly names: readonly string[]
}

/** A collection with its defaults filled in. */
export interface ResolvedCollection {
  readonly name: string
  readonly policy: CollectionPolicy
  readonly indexes: readonly string[]
  readonly validator: StandardSchemaV1 | undefined
  /** Field policy per declared field (counter, set, lww). */
  readonly fields: { readonly [field: string]: FieldPolicy }
  fieldKind(field: string): FieldPolicy['kind']
}

/** The record type of a collection: its schema's output, or a plain JSON record. */
export type RecordOf<D> = D extends { schema: infer S }
  ? S extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<S> & { id: string }
    : RecordValue & { id: string }
  : RecordValue & { id: string }

/** Collection names of a schema. */
export type CollectionName<S> = S extends Schema<infer C> ? Extract<keyof C, string> : string

/** The record type of a named collection of a schema. */
export type RecordFor<S, N extends string> = S extends Schema<infer C> ? (N extends keyof C ? RecordOf<C[N]> : never) : never

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/

/**
 * Declares the schema module both the worker and the hub import. Checks names and policies once,
 * so a mistake fails at start-up rather than on the first conflict.
 */
export function defineSchema<const C extends SchemaInput['collections']>(input: { version: number; collections: C }): Schema<C> {
  if (!Number.isInteger(input.version) || input.version < 1) {
    throw new AccordError('validation_failed', `schema version must be a positive integer, got ${String(input.version)}`)
  }
  const resolved = new Map<string, ResolvedCollection>()
  for (const [name, def] of Object.entries(input.collections)) {
    if (!NAME.test(name) || name.startsWith('_')) {
      throw new AccordError('validation_failed', `collection name "${name}" must match ${NAME.source} and not start with "_"`)
    }
    resolved.set(name, resolveCollection(name, def))
  }
  const names = Object.freeze([...resolved.keys()])
  return Object.freeze({
    version: input.version,
    collections: input.collections,
    names,
    has: (name: string) => resolved.has(name),
    collection(name: string): ResolvedCollection {
      const found = resolved.get(name)
      if (!found) throw new AccordError('unknown_collection', `unknown collection "${name}"`, { details: { col: name } })
      return found
    },
  })
}

function resolveCollection(name: string, def: CollectionDef): ResolvedCollection {
  const policy: CollectionPolicy = def.policy ?? { kind: 'fieldMerge' }
  const fields = Object.freeze({ ...(policy.fields ?? {}) })
  if ('id' in fields) throw new AccordError('validation_failed', `collection "${name}": field "id" cannot have a field policy`)
  for (const [field, fp] of Object.entries(fields)) {
    if (fp.kind === 'lww' && policy.kind !== 'fieldMerge') {
      throw new AccordError('validation_failed', `collection "${name}": per-field lww on "${field}" needs fieldMerge()`)
    }
  }
  return Object.freeze({
    name,
    policy,
    indexes: Object.freeze([...(def.indexes ?? [])]),
    validator: def.schema,
    fields,
    fieldKind: (field: string) => fields[field]?.kind ?? 'lww',
  })
}
