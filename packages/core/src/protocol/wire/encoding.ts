/** The logical JSON messages, as every hub accepts them. */
export const WIRE_VERBOSE = 1
/** Positional, delta-coded messages (see push.ts, commits.ts); announced as `wire: 2` in the handshake. */
export const WIRE_COMPACT = 2

export type WireEncoding = typeof WIRE_VERBOSE | typeof WIRE_COMPACT
