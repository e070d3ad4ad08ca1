/**
 * HLCs on the compact wire. An HLC whose node is the implied one (the connection's replica for a
 * push, the commit's `by` for a broadcast) travels without its node, as the wall's difference from
 * the previous HLC of the same message (or from the message's reference) plus its counter:
 *   `d`          wall = ref.wall + d, counter 0   (an integer)
 *   `[d, c]`     wall = ref.wall + d, counter c   (c in 1..0xffff)
 * Any other HLC (another node, or not an HLC at all, which the validator will refuse) travels as
 * its full string. Each decoded HLC becomes the reference of the next.
 */
import { decodeHlc, encodeHlc, isHlc } from '../../clock/hlc.js'
import { wireFail } from './reader.js'

const MAX_WALL = 2 ** 48 - 1
const MAX_COUNTER = 0xffff

/**
 * The node of an HLC a message carried without one and without implying it (a broadcast's room
 * copy): the receiver only follows the clock, which reads wall and counter. A valid HLC node, so
 * the decoded commit stays well-formed; where two HLCs tie on wall and counter it is an arbitrary
 * tie-break, as any node is.
 */
export const UNKNOWN_NODE = '_'

/** The wall of the previous HLC of the message: the base of the next delta. */
export interface ClockRef {
  wall: number
}

export type ClockToken = number | [number, number] | string

export function encodeClock(hlc: string, node: string | undefined, ref: ClockRef): ClockToken {
  if (!isHlc(hlc)) return hlc
  const parts = decodeHlc(hlc)
  if (node === undefined || parts.node !== node) {
    ref.wall = parts.wall
    return hlc
  }
  const d = parts.wall - ref.wall
  ref.wall = parts.wall
  return parts.counter === 0 ? d : [d, parts.counter]
}

export function decodeClock(token: unknown, node: string | undefined, ref: ClockRef, path: string): string {
  if (typeof token === 'string') {
    // Passed on as it is: the logical validator judges it (a hub) or the engine does (a replica).
    if (isHlc(token)) ref.wall = decodeHlc(token).wall
    return token
  }
  let d: unknown = token
  let counter: unknown = 0
  if (Array.isArray(token)) {
    if (token.length !== 2) wireFail(path, 'expected [wall delta, counter]')
    ;[d, counter] = token as [unknown, unknown]
    if (!Number.isSafeInteger(counter) || (counter as number) < 1 || (counter as number) > MAX_COUNTER) wireFail(path, `expected a counter in 1..${MAX_COUNTER}`)
  }
  if (!Number.isSafeInteger(d)) wireFail(path, 'expected an HLC (string, wall delta, or [wall delta, counter])')
  const wall = ref.wall + (d as number)
  if (!Number.isSafeInteger(wall) || wall < 0 || wall > MAX_WALL) wireFail(path, 'the HLC wall is out of range')
  if (node === undefined) wireFail(path, 'an HLC without its node needs an implied node')
  ref.wall = wall
  return encodeHlc({ wall, counter: counter as number, node })
}
