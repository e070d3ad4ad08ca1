/**
 * The compact wire encoding (`wire: 2`, and `wire: 3` for a broadcast's room copy): a codec at the
 * transport boundary. The logical messages (`PushRequest`, `CommitsMessage`) stay what the engine
 * and the decider see; a connection whose handshake announced `wire` 2 or more sends and receives
 * their compact forms, encoded and decoded here.
 */
export { isCompactWire, WIRE_COMPACT, WIRE_ROOM_COPY, WIRE_VERBOSE, type WireEncoding } from './encoding.js'
export { decodeWirePush, encodeWirePush, PUSH_FLAGS, type WirePush, type WirePushContext } from './push.js'
export { decodeWireCommits, encodeWireCommits, roomCopyOf, COMMIT_FLAGS, type CommitsCopy, type WireCommits } from './commits.js'
export { UNKNOWN_NODE } from './clock.js'
export { decodeWirePage, encodeWirePage, type WirePage } from './page.js'
