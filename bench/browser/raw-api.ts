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

/** One raw design's time (ms, timed in the raw worker); `base` marks the one the others are compared with. */
export interface FloorSample {
  name: string
  what: string
  ms: number
  base?: true
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
   * P7's floors (bench/browser/raw-floors.ts): `count` records with their hub versions written in
   * each layout, into empty stores (`first`) and over the same keys (`changed`); `page` records per
   * transaction in the per-page designs; medians of `reps` runs.
   */
  catchUpFloors(count: number, prefix: string, page: number, reps: number): Promise<{ first: FloorSample[]; changed: FloorSample[] }>
  /** P1's floors: one local write in each layout, `rounds` times interleaved; medians. */
  writeFloors(rounds: number): Promise<FloorSample[]>
  /** P2's floors: `count` new records with their changes in each layout, `chunk` per transaction where chunked; medians of `reps` runs. */
  importFloors(count: number, chunk: number, reps: number): Promise<FloorSample[]>
  /** P10: keeps `count` generated records as plain objects in a Map (held until close); returns its size. */
  fillMap(count: number, prefix: string): number
  close(): Promise<void>
}
