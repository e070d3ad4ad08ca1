/** The logical JSON messages, as every hub accepts them. */
export const WIRE_VERBOSE = 1
/** Positional, delta-coded messages (see push.ts, commits.ts); announced as `wire: 2` in the handshake. */
export const WIRE_COMPACT = 2
/**
 * `wire: 2`, and a broadcast reaches the sockets of replicas other than its author as the room
 * copy, without the author runs (see commits.ts). Announced as `wire: 3`.
 */
export const WIRE_ROOM_COPY = 3

export type WireEncoding = typeof WIRE_VERBOSE | typeof WIRE_COMPACT | typeof WIRE_ROOM_COPY

/** Whether pushes, broadcasts and pages of this encoding are compact (every encoding from 2 on). */
export function isCompactWire(wire: WireEncoding): boolean {
  return wire >= WIRE_COMPACT
}
