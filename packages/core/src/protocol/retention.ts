/**
 * Whether a catch-up page may be served (DESIGN §3 rule 6, made precise): a catch-up that started
 * below the purge horizon needs purged tombstones; and once a catch-up is under way, a purge that
 * moved the horizon past this page's `since` may have removed the tombstone of a record an earlier
 * page showed alive. Either way the replica must re-pull from 0. Returns the reason, or undefined.
 */
export function retentionExpired(request: { since: number; origin: number; horizon: number | undefined }, purgedThrough: number): string | undefined {
  if (request.origin > 0 && request.origin < purgedThrough) return `history through ${purgedThrough} was purged`
  if (request.horizon !== undefined && purgedThrough > request.horizon && purgedThrough > request.since) {
    return `history through ${purgedThrough} was purged during this catch-up`
  }
  return undefined
}
