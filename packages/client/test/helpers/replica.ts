import { AccordError, type ConflictRecord, type RecordValue, type Schema } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import { createLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '@accord/client/runtime'
import type { FindQuery, OpenRequest, ReplicaStatus, Result } from '../../src/shared/worker-api.js'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'

/** One fake device's IndexedDB. */
export type FakeIdb = InstanceType<typeof IDBFactory>

/** Unwraps a Result, throwing the AccordError it carries. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new AccordError(result.error.code, result.error.message, { details: result.error.details })
  return result.value
}

/** Polls `check` until it holds, at most `timeoutMs`: for conditions with no event to wait on. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface TestReplicaOptions {
  schema: Schema
  name?: string
  /** One device's IndexedDB: pass the same factory to reopen the same database. */
  idb?: FakeIdb
  url?: string | string[]
  space?: string
  token?: () => Promise<string | null>
  runtime?: Partial<LocalRuntimeOptions>
  open?: Partial<OpenRequest>
}

/** A replica as a test drives it: the runtime plus throwing helpers. */
export class TestReplica {
  readonly statuses: ReplicaStatus[] = []
  readonly conflictsSeen: ConflictRecord[] = []
  replicaId = ''

  constructor(
    readonly runtime: LocalRuntime,
    readonly idb: FakeIdb,
    readonly name: string,
  ) {}

  get status(): ReplicaStatus {
    return this.runtime.currentStatus
  }

  async write(...ops: LocalOp[]): Promise<void> {
    unwrap(await this.runtime.write(ops))
  }
  async put(col: string, value: RecordValue): Promise<void> {
    await this.write({ op: 'put', col, value })
  }
  async update(col: string, key: string, patch: RecordValue): Promise<void> {
    await this.write({ op: 'update', col, key, patch })
  }
  async get(col: string, key: string): Promise<RecordValue | undefined> {
    return unwrap(await this.runtime.get(col, key))
  }
  async find(col: string, query: FindQuery = {}): Promise<RecordValue[]> {
    return unwrap(await this.runtime.find(col, query))
  }
  async flush(): Promise<void> {
    unwrap(await this.runtime.flush())
  }
  async pause(): Promise<void> {
    unwrap(await this.runtime.pause())
  }
  async resume(): Promise<void> {
    unwrap(await this.runtime.resume())
  }
  async conflicts(): Promise<ConflictRecord[]> {
    return unwrap(await this.runtime.conflicts())
  }
  async waitForStatus(check: (status: ReplicaStatus) => boolean, what: string, timeoutMs = 15_000): Promise<ReplicaStatus> {
    await until(() => check(this.status), `${this.name}: ${what} (status ${JSON.stringify(this.status)})`, timeoutMs)
    return this.status
  }
  close(): Promise<void> {
    return this.runtime.close()
  }
}

/** Opens an in-process runtime on its own fake IndexedDB (a separate device unless `idb` is shared). */
export async function openTestReplica(options: TestReplicaOptions): Promise<TestReplica> {
  const idb = options.idb ?? new IDBFactory()
  const name = options.name ?? 'replica'
  const runtime = createLocalRuntime({
    schema: options.schema,
    indexedDB: idb,
    IDBKeyRange,
    storage: null,
    gapGraceMs: 50,
    outboxPollMs: 200,
    backoff: { firstMs: 200, maxMs: 1000 },
    socket: { ackTimeoutMs: 3000, connectTimeoutMs: 3000 },
    ...options.runtime,
  })
  const replica = new TestReplica(runtime, idb, name)
  const request: OpenRequest = {
    name,
    schemaVersion: options.schema.version,
    ...(options.url ? { hub: { url: options.url, space: options.space ?? 'team-1' } } : {}),
    ...options.open,
  }
  const opened = unwrap(await runtime.open(request, { token: options.token ?? (async () => 'secret') }))
  replica.replicaId = opened.replicaId
  unwrap(await runtime.watchStatus((status) => replica.statuses.push(status)))
  unwrap(await runtime.watchConflicts((records) => replica.conflictsSeen.push(...records)))
  return replica
}
