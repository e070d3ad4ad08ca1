/** The storage floors' samples (ms, from the raw worker) as a figure's `floors`. */
import type { FloorSample } from '../../browser/raw-api.js'
import type { Floor } from './figure.js'
import { round } from './stats.js'

/**
 * Times as they are (`ms`, ratio = time ÷ base time), or, given `records`, as throughputs
 * (`records/s`, ratio = throughput ÷ base throughput, higher is better).
 */
export function toFloors(samples: FloorSample[], records?: number): Floor[] {
  const base = samples.find((s) => s.base) ?? samples[0]
  if (!base) return []
  return samples.map((s) => ({
    name: s.name,
    ...(records === undefined
      ? { unit: 'ms', value: round(s.ms), ratio: round(s.ms / base.ms) }
      : { unit: 'records/s', value: round((records / s.ms) * 1000), ratio: round(base.ms / s.ms), ms: round(s.ms) }),
    ...(s.base ? { base: true as const } : {}),
    what: s.what,
  }))
}
