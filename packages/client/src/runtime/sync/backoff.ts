/** How long to wait before reconnecting. */
export interface BackoffOptions {
  /** Upper bound of the first retry after a lost connection or a failed round. Default 2,000 ms. */
  firstMs?: number
  /** Upper bound of any wait. Default 30,000 ms. */
  maxMs?: number
}

/**
 * The wait before reconnection attempt `attempt` (0 = the first retry): an exponential ceiling
 * `min(maxMs, firstMs · 2^attempt)` with "equal jitter" (uniform in its upper half), so the first
 * retry comes within `firstMs` and clients that lost the same hub do not return in lockstep.
 * `random` is injected (a number in [0, 1)).
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = {}): number {
  const first = options.firstMs ?? 2000
  const max = options.maxMs ?? 30_000
  const ceiling = Math.min(max, first * 2 ** Math.min(attempt, 30))
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}
