/**
 * The platform facilities the runtime uses, typed structurally so the runtime compiles without DOM
 * or Node types and runs in a worker, a page or Node (where tests inject fake-indexeddb).
 */
import type { Timers } from '@accord/core/internal'

/** An `IDBFactory` (the global `indexedDB`, or fake-indexeddb's `new IDBFactory()`). */
export interface IndexedDbFactory {
  open: Function
  deleteDatabase: Function
  cmp: Function
}

/** The `IDBKeyRange` class matching the factory. */
export interface KeyRangeClass {
  bound: Function
  lowerBound: Function
  upperBound: Function
  only: Function
}

/** `navigator.storage`, or the part of it the runtime asks. */
export interface StorageManagerLike {
  /** Asks for persistent storage (exposed to pages only, not workers). */
  persist?(): Promise<boolean>
  /** Whether storage is persistent (exposed to workers too). */
  persisted?(): Promise<boolean>
}

/** Timers plus intervals and a clock: injected so tests control time. */
export interface RuntimeTimers extends Timers {
  now(): number
}

interface GlobalsLike {
  indexedDB?: IndexedDbFactory
  IDBKeyRange?: KeyRangeClass
  navigator?: { storage?: StorageManagerLike }
  crypto?: { randomUUID?: () => string; getRandomValues?: (array: Uint8Array) => Uint8Array }
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const g = globalThis as unknown as GlobalsLike

/** The global timers and `Date.now`. */
export function globalTimers(): RuntimeTimers {
  return {
    setTimeout: (fn, ms) => g.setTimeout(fn, ms),
    clearTimeout: (handle) => g.clearTimeout(handle),
    now: () => Date.now(),
  }
}

/** The global IndexedDB, if this scope has one. */
export function globalIndexedDb(): { indexedDB?: IndexedDbFactory; IDBKeyRange?: KeyRangeClass } {
  return { ...(g.indexedDB ? { indexedDB: g.indexedDB } : {}), ...(g.IDBKeyRange ? { IDBKeyRange: g.IDBKeyRange } : {}) }
}

/** `navigator.storage` where it exists (pages and workers; not Node 20). */
export function globalStorageManager(): StorageManagerLike | undefined {
  return g.navigator?.storage
}

/** A random id: a UUID where `crypto.randomUUID` exists, else 128 random bits in base 36. */
export function randomId(): string {
  const uuid = g.crypto?.randomUUID?.()
  if (uuid) return uuid
  const bytes = new Uint8Array(16)
  if (g.crypto?.getRandomValues) g.crypto.getRandomValues(bytes)
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('')
}

/**
 * Asks for persistent storage where the scope allows it (`persist()` exists on pages only; a
 * worker can only read `persisted()`). Resolves undefined where neither exists or both fail.
 */
export async function askPersistence(storage: StorageManagerLike | undefined): Promise<boolean | undefined> {
  if (!storage) return undefined
  try {
    if (typeof storage.persist === 'function') return await storage.persist()
    if (typeof storage.persisted === 'function') return await storage.persisted()
  } catch {
    // A browser may refuse to answer (private mode, an opaque origin): that is not an error.
  }
  return undefined
}
