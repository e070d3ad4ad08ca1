import { randomUUID } from 'node:crypto'
import type { BatchDecision, DecisionReadRequest, DecisionSnapshot, HubStore, PullQuery, SpaceInfo } from '@accord/core'
import pg from 'pg'
import { describeTarget, quoteSchema } from './postgres/identifiers.js'
import { migrate } from './postgres/migrations.js'
import { buildQueries, type Queries } from './postgres/queries.js'
import { batchParams, toConflict, toPulledRecord, toRecordState, toSpaceInfo, toWriterState, type ConflictRow, type RecordRow, type SpaceRow, type WriterRow } from './postgres/rows.js'
import { inTransaction } from './postgres/transaction.js'

/** Options of `postgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:5432/database`; without it, node-postgres reads the PG* environment. */
  connectionString?: string
  /** node-postgres pool settings (`max`, `ssl`, `idleTimeoutMillis`, `statement_timeout`, …). */
  pool?: Omit<pg.PoolConfig, 'connectionString'>
  /** PostgreSQL schema holding the tables, created if missing; one per cluster (or test). Default `accord`. */
  schema?: string
}

/** A `HubStore` on PostgreSQL, plus what its owner may want before serving. */
export interface PostgresHubStore extends HubStore {
  /** Resolves once the schema exists and is migrated; every method awaits it. A failure is retried by the next call. */
  ready(): Promise<void>
  /** Gives every space a new storeId (after restoring a backup); returns how many spaces changed. */
  resetStoreIds(): Promise<number>
}

/**
 * A `HubStore` on PostgreSQL for several hub processes (DESIGN §3 rules 2 and 8, §6).
 *
 * - One transaction per batch: it locks the space's counter row (`spaces`, `FOR UPDATE`), checks
 *   the head the batch was decided on, writes records, watermarks and conflicts, and advances the
 *   head. Batches of a space therefore commit one after the other, in seq order, so a commit with a
 *   higher seq never becomes visible before one with a lower seq, even across processes.
 * - `readForDecision` and each `pull` page run in one REPEATABLE READ snapshot.
 * - Durable when the promise resolves: COMMIT waits for the WAL flush unless the server runs with
 *   `synchronous_commit = off`, in which case batches turn it back on for themselves.
 * - Tables live in `schema` (default `accord`), created or migrated on first use.
 */
export function postgresStore(options: PostgresStoreOptions = {}): PostgresHubStore {
  const schema = options.schema ?? 'accord'
  const quoted = quoteSchema(schema)
  const pool = new pg.Pool({ ...options.pool, ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }) })
  // An idle connection the server dropped is reported here; the next query gets a fresh one and
  // health() shows a server that stays away. Without a listener the error would end the process.
  pool.on('error', () => undefined)
  return new PgHubStore(pool, schema, quoted, buildQueries(quoted), describeTarget(options.connectionString, schema))
}

class PgHubStore implements PostgresHubStore {
  private closed = false
  private migrated: Promise<void> | undefined
  /** `SET LOCAL synchronous_commit = on` when the server default would not flush before COMMIT returns. */
  private durability: string | undefined

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly quoted: string,
    private readonly sql: Queries,
    private readonly target: string,
  ) {}

  ready(): Promise<void> {
    this.migrated ??= this.prepare().catch((error: unknown) => {
      this.migrated = undefined
      throw error
    })
    return this.migrated
  }

  async openSpace(space: string): Promise<SpaceInfo> {
    await this.ready()
    const found = await this.pool.query<SpaceRow>(this.sql.getSpace, [space])
    if (found.rows[0]) return toSpaceInfo(found.rows[0])
    await this.pool.query(this.sql.insertSpace, [space, randomUUID()])
    const created = await this.pool.query<SpaceRow>(this.sql.getSpace, [space])
    return toSpaceInfo(created.rows[0] as SpaceRow)
  }

  async bindReplica(space: string, replica: string, principal: string): Promise<'bound' | 'taken'> {
    await this.ready()
    const bound = await this.principalOf(space, replica)
    if (bound !== undefined) return bound === principal ? 'bound' : 'taken'
    const inserted = await this.pool.query<{ principal: string }>(this.sql.insertReplica, [space, replica, principal])
    if (inserted.rows.length > 0) return 'bound'
    // Another connection bound it between the read and the insert: its principal decides.
    return (await this.principalOf(space, replica)) === principal ? 'bound' : 'taken'
  }

  async watermarks(space: string, writers: string[]): Promise<{ [writer: string]: number }> {
    await this.ready()
    const { rows } = await this.pool.query<WriterRow>(this.sql.getWriters, [space, writers])
    return Object.fromEntries(rows.map((row) => [row.writer, Number(row.watermark)]))
  }

  async readForDecision(space: string, request: DecisionReadRequest): Promise<DecisionSnapshot> {
    await this.ready()
    return inTransaction(this.pool, 'snapshot', async (client) => {
      const head = (await client.query<SpaceRow>(this.sql.getSpace, [space])).rows[0]?.head ?? 0
      const records = await client.query<RecordRow>(this.sql.getRecords, [space, request.records.map((r) => r.col), request.records.map((r) => r.key)])
      const writers = request.writers.length ? (await client.query<WriterRow>(this.sql.getWriters, [space, request.writers])).rows : []
      const conflicts = request.conflicts.length ? (await client.query<ConflictRow>(this.sql.getConflicts, [space, request.conflicts])).rows : []
      return { head: Number(head), records: records.rows.map(toRecordState), writers: writers.map(toWriterState), conflicts: conflicts.map(toConflict) }
    })
  }

  async commitBatch(space: string, decision: BatchDecision): Promise<boolean> {
    await this.ready()
    return inTransaction(
      this.pool,
      'write',
      async (client) => {
        // The head check runs under the space's row lock: no other batch can move it until COMMIT.
        if ((await this.lockSpace(client, space)).head !== decision.head) return false
        const p = batchParams(decision)
        if (p.counts.records) await client.query(this.sql.upsertRecords, [space, ...p.records])
        if (p.counts.writers) await client.query(this.sql.upsertWriters, [space, ...p.writers])
        if (p.counts.conflicts) await client.query(this.sql.insertConflicts, [space, ...p.conflicts])
        if (p.counts.closed) await client.query(this.sql.closeConflicts, [space, ...p.closed])
        await client.query(this.sql.setHead, [space, decision.head + decision.commits.length])
        return true
      },
      this.durability,
    )
  }

  async pull(space: string, query: PullQuery): Promise<Awaited<ReturnType<HubStore['pull']>>> {
    await this.ready()
    return inTransaction(this.pool, 'snapshot', async (client) => {
      const head = Number((await client.query<SpaceRow>(this.sql.getSpace, [space])).rows[0]?.head ?? 0)
      const cols = query.cols ?? null
      const rows = (await client.query<RecordRow>(this.sql.pageRecords, [space, query.since, cols, query.limit + 1])).rows
      const more = rows.length > query.limit
      const page = more ? rows.slice(0, query.limit) : rows
      const last = page[page.length - 1]
      const until = more && last ? Number(last.version) : head
      const conflicts = await client.query<ConflictRow>(this.sql.pageConflicts, [space, query.since, until, query.replica, cols])
      const writers = await client.query<WriterRow>(this.sql.writersOfReplica, [space, query.replica])
      const watermarks = Object.fromEntries(writers.rows.map((row) => [row.writer, Number(row.watermark)]))
      return { records: page.map(toPulledRecord), conflicts: conflicts.rows.map(toConflict), watermarks, until, head, more }
    })
  }

  async purge(space: string, throughSeq: number): Promise<void> {
    await this.ready()
    await inTransaction(this.pool, 'write', async (client) => {
      const info = await this.lockSpace(client, space)
      const through = Math.min(throughSeq, info.head)
      if (through <= info.purgedThrough) return
      await client.query(this.sql.purgeTombstones, [space, through])
      await client.query(this.sql.purgeConflicts, [space, through])
      await client.query(this.sql.setPurged, [space, through])
    })
  }

  async resetStoreIds(): Promise<number> {
    await this.ready()
    return (await this.pool.query(this.sql.resetStoreIds)).rowCount ?? 0
  }

  async health(): Promise<{ ok: boolean; spaces: number; detail?: string }> {
    if (this.closed) return { ok: false, spaces: 0, detail: 'closed' }
    try {
      await this.ready()
      const { rows } = await this.pool.query<{ n: number }>(this.sql.countSpaces)
      return { ok: true, spaces: rows[0]?.n ?? 0, detail: this.target }
    } catch (error) {
      return { ok: false, spaces: 0, detail: `${this.target}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.migrated?.catch(() => undefined)
    await this.pool.end()
  }

  private async prepare(): Promise<void> {
    await migrate(this.pool, this.schema, this.quoted)
    const { rows } = await this.pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')
    this.durability = rows[0]?.synchronous_commit === 'off' ? 'SET LOCAL synchronous_commit = on' : undefined
  }

  /** Locks the space's counter row until the transaction ends, creating the space on first use. */
  private async lockSpace(client: pg.PoolClient, space: string): Promise<SpaceInfo> {
    const found = (await client.query<SpaceRow>(this.sql.lockSpace, [space])).rows[0]
    if (found) return toSpaceInfo(found)
    await client.query(this.sql.insertSpace, [space, randomUUID()])
    return toSpaceInfo((await client.query<SpaceRow>(this.sql.lockSpace, [space])).rows[0] as SpaceRow)
  }

  private async principalOf(space: string, replica: string): Promise<string | undefined> {
    return (await this.pool.query<{ principal: string }>(this.sql.getPrincipal, [space, replica])).rows[0]?.principal
  }
}
