/**
 * What the bench page exposes as `window.bench` (bench/browser/page.ts), for the Node harness to
 * call. Types only, no DOM: the Node side imports it too.
 */
import type { Item } from '../src/schema.js'
import type { Durability, FloorSample, IdbCounts } from './raw-api.js'

export type WorkerKind = 'shared' | 'dedicated'

export interface BenchPage {
  openAccord(options: { name: string; worker: WorkerKind; hub?: { url: string; space: string }; strict: boolean }): Promise<string>
  openRaw(options: { name: string; worker: WorkerKind; durability: Durability }): Promise<void>
  /** P1: `rounds` blocks of `block` writes each: Accord put, Comlink no-op, raw Dexie put (timed in the worker). */
  localWrites(options: { rounds: number; block: number; prefix: string }): Promise<{ accord: number[]; noop: number[]; dexie: number[] }>
  /** P2: imports `count` records through Accord (`chunk` per transaction) and the same through raw bulkPut. */
  accordImport(options: { count: number; chunk: number; prefix: string }): Promise<number>
  rawImport(options: { count: number; prefix: string }): Promise<number>
  /** P3: live queries. */
  liveQueries(options: { records: number; rounds: number }): Promise<{ accord: number[]; raw: number[]; spurious: { accord: number; raw: number } }>
  /** P4: writer side: the write's start on this page's clock (performance.timeOrigin + now). */
  propagateWrite(options: { key: string; title: string; raw: boolean }): Promise<number>
  /** P4: receiver side: starts watching `key`; arrivals are kept by title. */
  propagateWatch(options: { key: string; raw: boolean }): Promise<void>
  /** P4: the arrival (this page's clock) of `title`, waiting for it at most `timeoutMs`. */
  propagateArrival(options: { title: string; raw: boolean; timeoutMs: number }): Promise<number>
  put(record: Item): Promise<void>
  pause(): Promise<void>
  /** P7: resumes sync and resolves when the replica has caught up (flush): returns ms. */
  resumeAndCatchUp(): Promise<number>
  flush(): Promise<void>
  status(): { connection: string; pending: number; cursor: number }
  count(): Promise<number>
  rawConnect(url: string, space: string): Promise<void>
  rawPullAll(limit: number): Promise<{ ms: number; pages: number; records: number }>
  rawBulkPutGenerated(count: number, prefix: string, chunk: number): Promise<number>
  rawFillMap(count: number, prefix: string): Promise<number>
  /** The storage floors of P7, P1 and P2, measured in the raw worker (raw-api.ts). */
  rawCatchUpFloors(count: number, prefix: string, page: number, reps: number): Promise<{ first: FloorSample[]; changed: FloorSample[] }>
  rawWriteFloors(rounds: number): Promise<FloorSample[]>
  rawImportFloors(count: number, chunk: number, reps: number): Promise<FloorSample[]>
  /** IndexedDB operations a bench worker issued since the last reset (`reset` clears them after reading). */
  idbCounts(worker: 'accord' | 'raw', reset: boolean): Promise<IdbCounts>
  close(): Promise<void>
}
