/**
 * The compact wire encoding (`wire: 2`): a codec at the transport boundary. The logical messages
 * (`PushRequest`, `CommitsMessage`) stay what the engine and the decider see; a connection whose
 * handshake announced `wire: 2` sends and receives their compact forms, encoded and decoded here.
 */
export { WIRE_COMPACT, WIRE_VERBOSE, type WireEncoding } from './encoding.js'
export { decodeWirePush, encodeWirePush, PUSH_FLAGS, type WirePush, type WirePushContext } from './push.js'
export { decodeWireCommits, encodeWireCommits, COMMIT_FLAGS, type WireCommits } from './commits.js'
export { decodeWirePage, encodeWirePage, type WirePage } from './page.js'
