import {
  HlcClock,
  counter,
  decideBatch,
  defineSchema,
  fieldMerge,
  manual,
  type BatchDecision,
  type FieldValues,
  type Change,
  type DeciderView,
  type HubStore,
  type StandardSchemaV1,
} from '@accord/core'
import { withPrev } from '@accord/core/internal'
import { decisionRequest, snapshotView } from '../batch-runner.js'

/** What a store under test provides. `reopen` (optional) opens the same storage again after `store.close()`. */
export interface HubStoreFixture {
  store: HubStore
  cleanup?: () => Promise<void>
  reopen?: () => Promise<HubStore>
}

export type HubStoreSetup = () => Promise<HubStoreFixture>

const noBadRecords: StandardSchemaV1 = {
  '~standard': {
    version: 1,
    vendor: 'accord-contract',
    validate: (value) => ((value as { bad?: unknown }).bad === true ? { issues: [{ message: 'bad record' }] } : { value }),
  },
}

/** The schema the contract's decisions are made with: a refusal (`bad: true`) is a private conflict. */
export const contractSchema = defineSchema({
  version: 1,
  collections: {
    items: { schema: noBadRecords, policy: fieldMerge({ fields: { hits: counter() } }) },
    notes: { policy: manual() },
  },
})

let wall = 1_700_000_000_000
const tick = (): number => (wall += 1)

/**
 * One writer of one replica, issuing contiguous changes. Each call is one transaction. Its puts and
 * patches carry `prev` (`{}` unless given), so the hub can settle any conflict of them.
 */
export class TestWriter {
  private n = 0
  private tx = 0
  private readonly clock: HlcClock

  constructor(
    readonly replica: string,
    readonly writer = `${replica}-w1`,
  ) {
    this.clock = new HlcClock({ node: replica, now: tick })
  }

  put(col: string, key: string, set: FieldValues, base = 0): Change {
    return this.txn([{ col, key, op: 'put', set, base }])[0] as Change
  }

  patch(col: string, key: string, set: FieldValues, base: number, extra: Partial<Change> = {}): Change {
    return this.txn([{ col, key, op: 'patch', set, base, ...extra }])[0] as Change
  }

  delete(col: string, key: string, base: number): Change {
    return this.txn([{ col, key, op: 'delete', base }])[0] as Change
  }

  /** One transaction of several changes (`txEnd` on the last). */
  txn(parts: Array<Partial<Change> & Pick<Change, 'col' | 'key' | 'op' | 'base'>>): Change[] {
    this.tx += 1
    return parts.map((part, i) => {
      this.n += 1
      const change = { ...part, writer: this.writer, n: this.n, replica: this.replica, tx: this.tx, hlc: this.clock.now(), ord: this.n } as Change
      if (i === parts.length - 1) change.txEnd = true
      return withPrev(change)
    })
  }
}

const hubClock = new HlcClock({ node: 'hub', now: tick })

/** Decides `changes` on the store's snapshot with core's decider, as a hub would. */
export async function decide(store: HubStore, space: string, changes: Change[]): Promise<BatchDecision> {
  const snapshot = await store.readForDecision(space, decisionRequest(changes))
  return decideOn(snapshotView(snapshot), changes)
}

/** Decides `changes` on a given view (a snapshot, or one with earlier decisions laid over it). */
export function decideOn(view: DeciderView, changes: Change[]): BatchDecision {
  const replica = changes[0]?.replica ?? 'nobody'
  const result = decideBatch({
    schema: contractSchema,
    view,
    changes,
    connection: { replica, writers: new Set(changes.map((c) => c.writer)) },
    clock: hubClock,
    limits: { recordBytes: 100_000 },
  })
  if (!result.ok) throw new Error(`the contract's own batch was refused: ${result.error.code} ${result.error.message}`)
  return result.decision
}

/** Decides and commits; fails the test when the store refuses a current decision. */
export async function settle(store: HubStore, space: string, changes: Change[]): Promise<BatchDecision> {
  const decision = await decide(store, space, changes)
  if (!(await store.commitBatch(space, decision))) throw new Error('commitBatch refused a decision made on the current head')
  return decision
}

/** Everything a replica could learn about a space: its info and one big pull. */
export async function dump(store: HubStore, space: string, replica = 'observer'): Promise<unknown> {
  const info = await store.openSpace(space)
  const page = await store.pull(space, { since: 0, limit: 100_000, replica })
  return { info, page }
}
