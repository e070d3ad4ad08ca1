import type { CommitsMessage } from '@accord/core'
import type { ReplicaData } from './memory-replica-store.js'

interface Expected {
  seq: number
  writer: string
  through: number
  /** The history the commit belongs to: after a restore (a new storeId) its seq means nothing. */
  storeId: string | undefined
}

/**
 * DESIGN §3 rule 7, watched on one replica database: a change leaves the outbox in the same
 * transaction that applies the commit settling it (by the commit's `writer`/`through`, or by a
 * catch-up's watermarks), so once the cursor has passed that commit the change is gone. A replica
 * that applied its own commit without learning its author would keep the change until a later
 * pull; it still converges, so only this watch sees it (it is how a broadcast that drops the
 * author from the author's own sockets is caught). Checked after every storage transaction.
 */
export class SettledWatch {
  private expected: Expected[] = []

  constructor(
    private readonly name: () => string,
    private readonly fail: (line: string) => void,
  ) {}

  /** A broadcast reached one of this database's sockets: its own commits are watched. */
  delivered(message: CommitsMessage, data: ReplicaData): void {
    for (const c of message.commits) {
      if (c.by !== data.state.replicaId || c.writer === undefined || c.through === undefined) continue
      this.expected.push({ seq: c.seq, writer: c.writer, through: c.through, storeId: data.state.storeId })
    }
  }

  /** After a transaction: every watched commit the cursor has passed left no change behind. */
  check(data: ReplicaData): void {
    const { cursor, storeId } = data.state
    this.expected = this.expected.filter((e) => {
      if (e.storeId !== storeId) return false
      if (cursor < e.seq) return true
      for (const change of data.outbox.values()) {
        if (change.writer === e.writer && change.n <= e.through) {
          this.fail(`${this.name()}: cursor ${cursor} passed seq ${e.seq}, which settled ${e.writer}#${e.through}, but ${change.writer}#${change.n} is still pending`)
          break
        }
      }
      return false
    })
  }
}
