import type { FakeIdb } from './replica.js'

// The few IndexedDB shapes used here (the tests' type environment has no DOM library).
type Key = string | number | Date | ArrayBuffer | Key[]
interface Request<T> {
  readonly result: T
  readonly error: unknown
  onsuccess: (() => void) | null
  onerror: (() => void) | null
}
interface OpenRequest extends Request<Database> {
  onupgradeneeded: (() => void) | null
}
interface Index {
  keyPath: string | string[]
  unique: boolean
  multiEntry: boolean
}
interface ObjectStore {
  keyPath: string | string[] | null
  autoIncrement: boolean
  indexNames: Iterable<string>
  index(name: string): Index
  getAllKeys(): Request<Key[]>
  getAll(): Request<unknown[]>
  put(value: unknown, key?: Key): unknown
  createIndex(name: string, keyPath: string | string[], options: { unique: boolean; multiEntry: boolean }): unknown
  transaction: { oncomplete: (() => void) | null; onerror: (() => void) | null; error: unknown }
}
interface Database {
  objectStoreNames: Iterable<string>
  transaction(store: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): ObjectStore }
  createObjectStore(name: string, options: { keyPath: string | string[] | null; autoIncrement: boolean }): ObjectStore
  close(): void
}
interface Factory {
  databases(): Promise<{ name?: string; version?: number }[]>
  open(name: string, version?: number): OpenRequest
}

const done = <T>(request: Request<T>): Promise<T> =>
  new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })

interface StoreDump {
  name: string
  keyPath: string | string[] | null
  autoIncrement: boolean
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[]
  keys: Key[]
  values: unknown[]
}

/**
 * Copies every IndexedDB database of one fake device to another, as a user copying a browser
 * profile would: same replicaId, same outbox, same writers. The source must be closed.
 */
export async function copyDevice(fromIdb: FakeIdb, toIdb: FakeIdb): Promise<void> {
  const from = fromIdb as unknown as Factory
  const to = toIdb as unknown as Factory
  for (const { name, version } of await from.databases()) {
    if (name === undefined) continue
    const source = await done(from.open(name))
    const dumps: StoreDump[] = []
    for (const storeName of [...source.objectStoreNames]) {
      const store = source.transaction(storeName, 'readonly').objectStore(storeName)
      const indexes = [...store.indexNames].map((i) => {
        const index = store.index(i)
        return { name: i, keyPath: index.keyPath, unique: index.unique, multiEntry: index.multiEntry }
      })
      dumps.push({ name: storeName, keyPath: store.keyPath, autoIncrement: store.autoIncrement, indexes, keys: await done(store.getAllKeys()), values: await done(store.getAll()) })
    }
    source.close()
    const open = to.open(name, version)
    open.onupgradeneeded = () => {
      for (const d of dumps) {
        const store = open.result.createObjectStore(d.name, { keyPath: d.keyPath, autoIncrement: d.autoIncrement })
        for (const i of d.indexes) store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry })
      }
    }
    const target = await done(open)
    for (const d of dumps) {
      const store = target.transaction(d.name, 'readwrite').objectStore(d.name)
      d.values.forEach((value, i) => store.put(value, d.keyPath === null ? d.keys[i] : undefined))
      await new Promise<void>((resolve, reject) => {
        store.transaction.oncomplete = () => resolve()
        store.transaction.onerror = () => reject(store.transaction.error)
      })
    }
    target.close()
  }
}
