import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { WRITER_CONFIG, batchWriter, type BatchWrite, type BatchWriterConfig } from './batch-write.js'

interface ThreadData {
  path: string
  /** Where better-sqlite3 is, resolved from the hub's package: the thread has no module context. */
  sqlite: string
  config: BatchWriterConfig
}

type Reply = { id: number; ok: true; value: boolean } | { id: number; ok: false; error: string }

/**
 * The store's batch writes, run on a second connection in a worker thread. better-sqlite3 is
 * synchronous: on the hub's own thread, every write transaction (upserts, then COMMIT with its
 * WAL writes and fsync, now and then a checkpoint) stopped the event loop for milliseconds. Here
 * the hub keeps reading, validating and queueing pushes (which then share the next write, see
 * `BatchGroups`) and serving other spaces while a write is in flight. A write resolves after its
 * COMMIT returned, so durability before the ack is unchanged; the hub's connection sees it in its
 * next read transaction (WAL). Writes run in the order they were sent.
 *
 * If the thread dies, the writes in flight fail (their batches are not acknowledged; SQLite rolls
 * back an unfinished transaction) and the next write starts a new thread.
 */
export class WriteThread {
  private worker: Worker | undefined
  private readonly waiting = new Map<number, { resolve: (value: boolean) => void; reject: (error: Error) => void }>()
  private nextId = 1

  constructor(private readonly path: string) {}

  write(write: BatchWrite): Promise<boolean> {
    const worker = (this.worker ??= this.start())
    const id = this.nextId++
    return new Promise<boolean>((resolve, reject) => {
      // Only pending writes keep the process alive, as the hub's own connection would not.
      if (this.waiting.size === 0) worker.ref()
      this.waiting.set(id, { resolve, reject })
      worker.postMessage({ id, write })
    })
  }

  /** Lets the writes already sent finish, then closes the thread's connection. */
  async close(): Promise<void> {
    const worker = this.worker
    if (!worker) return
    this.worker = undefined
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
    worker.ref()
    worker.postMessage({ close: true })
    await exited
  }

  private start(): Worker {
    const data: ThreadData = { path: this.path, sqlite: createRequire(import.meta.url).resolve('better-sqlite3'), config: WRITER_CONFIG }
    const worker = new Worker(threadSource(), { eval: true, workerData: data })
    worker.unref()
    worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id)
      if (!waiter) return
      this.waiting.delete(reply.id)
      if (this.waiting.size === 0) worker.unref()
      if (reply.ok) waiter.resolve(reply.value)
      else waiter.reject(new Error(reply.error))
    })
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined
      for (const waiter of this.waiting.values()) waiter.reject(error)
      this.waiting.clear()
    }
    worker.on('error', fail)
    worker.on('exit', (code) => fail(new Error(`the SQLite writer thread exited (${code})`)))
    return worker
  }
}

/**
 * The thread's source: `threadMain`'s text called with `batchWriter`'s, as they run here. The
 * writer goes in as an argument (a name the module imported would not exist there), and
 * `__name` is defined because esbuild, with `keepNames` (tsx), wraps function expressions in it.
 */
function threadSource(): string {
  return `var __name = (fn) => fn;\n(${threadMain.toString()})(${batchWriter.toString()})`
}

/**
 * The thread's program. Its text is the thread's source, called with `batchWriter`: it may use
 * only `require`, its thread data and its argument.
 */
function threadMain(makeWriter: typeof batchWriter): void {
  const { parentPort, workerData } = require('node:worker_threads') as typeof import('node:worker_threads')
  const data = workerData as ThreadData
  const Database = require(data.sqlite) as typeof import('better-sqlite3')
  const { randomUUID } = require('node:crypto') as typeof import('node:crypto')
  const port = parentPort as NonNullable<typeof parentPort>
  const db = new Database(data.path, { fileMustExist: true })
  // The same settings as the hub's connection (ddl.ts): a connection does not inherit them.
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  db.pragma('foreign_keys = ON')
  const write = makeWriter(db, data.config, randomUUID)
  port.on('message', (message: { id: number; write: BatchWrite } | { close: true }) => {
    if ('close' in message) {
      db.close()
      port.close()
      return
    }
    let reply: Reply
    try {
      reply = { id: message.id, ok: true, value: write(message.write) }
    } catch (error) {
      reply = { id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }
    }
    port.postMessage(reply)
  })
}
