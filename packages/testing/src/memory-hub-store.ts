import type { BatchDecision, ConflictRecord, DecisionReadRequest, DecisionSnapshot, HubRecordState, HubStore, PullQuery, SpaceInfo, WriterState } from '@accord/core'

interface SpaceData {
  info: SpaceInfo
  records: Map<string, HubRecordState>
  writers: Map<string, WriterState>
  conflicts: Map<number, ConflictRecord & { closedAt?: number }>
  replicas: Map<string, string>
}

const copy = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T))
const rk = (col: string, key: string): string => `${col}\u0000${key}`

/**
 * A HubStore in memory, for the simulator and tests. It keeps every guarantee of the interface
 * (atomic batches, head check, snapshot reads, ordered pages). `snapshot()`/`restore()` model a
 * backup restored over a live store.
 */
export class MemoryHubStore implements HubStore {
  private spaces = new Map<string, SpaceData>()
  private readonly newStoreId: () => string

  constructor(options: { storeId?: () => string } = {}) {
    let count = 0
    this.newStoreId = options.storeId ?? (() => `store-${++count}`)
  }

  private space(space: string): SpaceData {
    let data = this.spaces.get(space)
    if (!data) {
      data = {
        info: { space, storeId: this.newStoreId(), head: 0, purgedThrough: 0 },
        records: new Map(),
        writers: new Map(),
        conflicts: new Map(),
        replicas: new Map(),
      }
      this.spaces.set(space, data)
    }
    return data
  }

  async openSpace(space: string): Promise<SpaceInfo> {
    return copy(this.space(space).info)
  }

  async bindReplica(space: string, replica: string, principal: string): Promise<'bound' | 'taken'> {
    const data = this.space(space)
    const bound = data.replicas.get(replica)
    if (bound !== undefined && bound !== principal) return 'taken'
    data.replicas.set(replica, principal)
    return 'bound'
  }

  async watermarks(space: string, writers: string[]): Promise<{ [writer: string]: number }> {
    const data = this.space(space)
    const out: { [writer: string]: number } = {}
    for (const w of writers) {
      const state = data.writers.get(w)
      if (state) out[w] = state.watermark
    }
    return out
  }

  async readForDecision(space: string, request: DecisionReadRequest): Promise<DecisionSnapshot> {
    const data = this.space(space)
    return {
      head: data.info.head,
      records: request.records.flatMap(({ col, key }) => {
        const r = data.records.get(rk(col, key))
        return r ? [copy(r)] : []
      }),
      writers: request.writers.flatMap((w) => {
        const s = data.writers.get(w)
        return s ? [copy(s)] : []
      }),
      conflicts: request.conflicts.flatMap((id) => {
        const c = data.conflicts.get(id)
        return c ? [copy(c)] : []
      }),
    }
  }

  async commitBatch(space: string, decision: BatchDecision): Promise<boolean> {
    const data = this.space(space)
    if (data.info.head !== decision.head) return false
    for (const r of decision.records) data.records.set(rk(r.col, r.key), copy(r))
    for (const w of decision.writers) data.writers.set(w.writer, copy(w))
    for (const c of decision.conflicts) data.conflicts.set(c.id, copy(c))
    for (const { id, closedBy } of decision.closed) {
      const c = data.conflicts.get(id)
      if (c) {
        delete c.open
        c.closedBy = closedBy
        c.closedAt = closedBy
      }
    }
    data.info.head = decision.head + decision.commits.length
    return true
  }

  async pull(space: string, query: PullQuery) {
    const data = this.space(space)
    const head = data.info.head
    const matching = [...data.records.values()]
      .filter((r) => r.version > query.since && (!query.cols || query.cols.includes(r.col)))
      .sort((a, b) => a.version - b.version)
    const page = matching.slice(0, query.limit)
    const more = matching.length > page.length
    const until = more ? (page[page.length - 1] as HubRecordState).version : head
    const conflicts = [...data.conflicts.values()]
      .filter((c) => {
        const inRange = (c.id > query.since && c.id <= until) || (c.closedAt !== undefined && c.closedAt > query.since && c.closedAt <= until)
        return inRange && (!c.private || c.by === query.replica) && (!query.cols || query.cols.includes(c.col))
      })
      .map((c) => {
        const { closedAt: _closedAt, ...rest } = c
        return copy(rest)
      })
    const watermarks: { [writer: string]: number } = {}
    for (const w of data.writers.values()) if (w.replica === query.replica) watermarks[w.writer] = w.watermark
    return {
      records: page.map((r) => ({
        col: r.col,
        key: r.key,
        version: r.version,
        ...(r.deleted ? { deleted: true as const } : { value: copy(r.value) }),
        hlc: Object.values(r.fields).reduce((max, f) => (f.hlc > max ? f.hlc : max), r.del?.hlc ?? ''),
      })),
      conflicts,
      watermarks,
      until,
      head,
      more,
    }
  }

  async purge(space: string, throughSeq: number): Promise<void> {
    const data = this.space(space)
    for (const [k, r] of data.records) if (r.deleted && r.version <= throughSeq) data.records.delete(k)
    for (const [id, c] of data.conflicts) if (!c.open && Math.max(c.id, c.closedAt ?? 0) <= throughSeq) data.conflicts.delete(id)
    data.info.purgedThrough = Math.max(data.info.purgedThrough, throughSeq)
  }

  async health(): Promise<{ ok: boolean; spaces: number }> {
    return { ok: true, spaces: this.spaces.size }
  }

  async close(): Promise<void> {}

  /** Live records of a space (tombstones left out), for invariant checks. */
  liveRecords(space: string): HubRecordState[] {
    return [...this.space(space).records.values()].filter((r) => !r.deleted).map(copy)
  }

  purgedThrough(space: string): number {
    return this.space(space).info.purgedThrough
  }

  conflictsOf(space: string): ConflictRecord[] {
    return [...this.space(space).conflicts.values()].map(copy)
  }

  /** A deep copy of everything, as a backup would hold. */
  snapshot(): Map<string, SpaceData> {
    return new Map([...this.spaces].map(([k, v]) => [k, this.copySpace(v)]))
  }

  /**
   * Replaces the contents with a backup. A restore must give every space a new storeId (the
   * documented restore procedure): a replica that already passed the backup's head by fewer seqs
   * than were lost cannot tell otherwise, and would keep commits the hub no longer has.
   */
  restore(backup: Map<string, SpaceData>): void {
    this.spaces = new Map([...backup].map(([k, v]) => [k, this.copySpace(v)]))
    for (const data of this.spaces.values()) data.info.storeId = this.newStoreId()
  }

  private copySpace(v: SpaceData): SpaceData {
    return {
      info: copy(v.info),
      records: new Map([...v.records].map(([k, r]) => [k, copy(r)])),
      writers: new Map([...v.writers].map(([k, w]) => [k, copy(w)])),
      conflicts: new Map([...v.conflicts].map(([k, c]) => [k, copy(c)])),
      replicas: new Map(v.replicas),
    }
  }
}

