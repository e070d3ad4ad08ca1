/**
 * The raw baselines' worker API (bench/browser/raw-worker.ts), called by the bench page over
 * Comlink. Types only; no DOM or WebWorker globals, so both sides import it.
 */
import type { Item } from '../src/schema.js'

/** IndexedDB work a worker issued, as bench/browser/idb-tracer.ts counts it. */
export interface IdbCounts {
  transactions: { readonly: number; readwrite: number }
  /** Object stores named per read-write transaction, summed. */
  readwriteStores: number
  requests: Record<string, number>
  /** Read-write transactions' lifetimes (created → complete), summed, in ms. */
  readwriteMs?: number
}

export type Durability = 'strict' | 'relaxed' | 'default'

/** A live query as the bench defines it, for Dexie: an index equality or `anyOf`, plus filters. */
export interface RawQuery {
  listIds: string[]
  done?: boolean
  minRank?: number
}

export interface RawWorkerApi {
  noop(): void
  /** Opens (creating) a Dexie database with the `items` table indexed like the replica's. */
  open(name: string, durability: Durability): Promise<void>
  /** Puts each record in its own transaction; returns each put's time inside the worker (ms). */
  putEach(records: Item[]): Promise<number[]>
  put(record: Item): Promise<void>
  bulkPut(records: Item[]): Promise<void>
  /** Generates `count` records in the worker (as a catch-up would receive them) and bulkPuts them; returns ms. */
  bulkPutGenerated(count: number, prefix: string, chunk: number): Promise<number>
  /** Subscribes Dexie liveQuery for each query; each result is pushed to `onResult`, a Comlink proxy on the page. */
  watch(queries: RawQuery[], onResult: (index: number, rows: Item[]) => void): Promise<void>
  unwatchAll(): void
  /** Connects socket.io-client to a bench relay (room of `space`). */
  connect(url: string, space: string): Promise<void>
  /** P4 sender: put the record locally, then emit it to the relay. */
  relayWrite(record: Item): Promise<void>
  /** P4 receiver: each relayed record is put, then `onApplied(id)` is called on the page. */
  onRelayed(onApplied: (id: string, title: string) => void): void
  /** P7: pulls pages from the relay (`pull` with acks) until `more` is false; returns ms. */
  pullAll(limit: number): Promise<{ ms: number; pages: number; records: number }>
  /**
   * P7's floors, each in one read-write transaction over a fresh database shaped like a replica's
   * (values, versions, confirmed, outbox): `twoStores` = bulkPut of the values and of their
   * versions (`count` records); `perRecord` = for the first `perRecordCount` records, awaited one
   * after the other, put version, put value, delete confirmed, query the outbox by [col+key] (the
   * request pattern a catch-up issued before 392843d).
   */
  catchUpShapes(count: number, prefix: string, perRecordCount: number): Promise<{ twoStoresMs: number; perRecordMs: number }>
  /**
   * P1's floors: `rounds` writes of each shape (median ms, timed in the worker) on a database shaped
   * like a replica's (values, outbox, state, versions, confirmed, conflicts), strict durability:
   * `put` one put in a one-store transaction; `twoRows` a put and an outbox add in one two-store
   * transaction (the least a replica's local write can do); `oneTx` the reads and writes of a local write in one
   * read-write transaction over all six stores, awaited one after the other; `twoTx` the same
   * preceded by a separate read-write transaction that only reads (a plan, then a commit);
   * `pipelined` a local write's 4 reads issued together, then its 3 writes together (as Accord
   * issues them) in one transaction over 5 stores; `pipelinedNoState` that without the state row.
   */
  writeShapes(rounds: number): Promise<{ put: number; twoRows: number; oneTx: number; twoTx: number; pipelined: number; pipelinedNoState: number }>
  /**
   * P2's floor, generated and timed in the worker (no Comlink): `bulkPutMs` one bulkPut of `count`
   * records; `withOutboxMs` the same records in transactions of `chunk`, each writing the values,
   * an outbox row per record shaped like a put's change (the record as `set`, writer, n, ord, …),
   * and the state row: what any design that keeps value and outbox entry together must write.
   */
  importShapes(count: number, chunk: number): Promise<{ bulkPutMs: number; withOutboxMs: number }>
  /** P10: keeps `count` generated records as plain objects in a Map (held until close); returns its size. */
  fillMap(count: number, prefix: string): number
  close(): Promise<void>
}
