/**
 * Maps time to seqs for retention. The store knows seqs, not times, so the hub samples each
 * active space's head as it goes; the head sampled at least `retentionMs` ago is the highest seq
 * whose tombstones and closed conflicts may be purged. Samples live in memory: after a restart,
 * purging waits a full retention period again, which only keeps data longer, never shorter.
 */
export class RetentionClock {
  private readonly samples = new Map<string, { at: number; head: number }[]>()

  constructor(private readonly retentionMs: number) {}

  /** Records that `space` had `head` at time `now`. */
  sample(space: string, head: number, now: number): void {
    let list = this.samples.get(space)
    if (!list) this.samples.set(space, (list = []))
    const last = list[list.length - 1]
    if (!last || last.head !== head) list.push({ at: now, head })
  }

  /** The highest seq that is older than the retention period, if any; forgets older samples. */
  purgeable(space: string, now: number): number | undefined {
    const list = this.samples.get(space)
    if (!list) return undefined
    let through: number | undefined
    while (list.length && (list[0] as { at: number }).at <= now - this.retentionMs) through = (list.shift() as { head: number }).head
    if (through !== undefined) list.unshift({ at: now - this.retentionMs, head: through })
    return through
  }
}
