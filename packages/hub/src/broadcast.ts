import { PROTOCOL_VERSION, type Commit, type CommitsMessage } from '@accord/core'
import { encodeWireCommits, WIRE_COMPACT } from '@accord/core/internal'
import type { HubServer, HubSocket } from './types.js'

/** The Socket.IO room of a space: every socket of it. */
export function spaceRoom(space: string): string {
  return `space:${space}`
}

/** The sockets of a space that announced the compact encoding (`wire: 2`); also in `spaceRoom`. */
export function compactRoom(space: string): string {
  return `space:${space}#wire2`
}

/** A commit without its ConflictRecord when that record is a refusal only its writer may see. */
function publicCommit(commit: Commit): Commit {
  if (!commit.conflict?.private) return commit
  const { conflict: _private, ...rest } = commit
  return rest
}

/**
 * Emits one settled batch as one `commits` message to the space's room, the sender included
 * (DESIGN §3 rule 5): once in the logical form to the sockets that did not announce the compact
 * encoding, once compact to those that did (each encoded once, whatever the number of sockets).
 * Private ConflictRecords (refusals by `authorize`, schema or size) are stripped from the room's
 * copy; the sending socket, whose writer they concern, gets the full one.
 */
export function broadcastBatch(io: HubServer, sender: HubSocket, space: string, commits: Commit[], clustered: boolean): void {
  if (commits.length === 0) return
  const full: CommitsMessage = { v: PROTOCOL_VERSION, commits }
  const room = spaceRoom(space)
  const compact = compactRoom(space)
  const { compactWanted, logicalWanted } = encodingsWanted(io, room, compact, clustered)
  // Compact first: it is what replicas of this library speak; the logical form is for others.
  if (!commits.some((c) => c.conflict?.private)) {
    if (compactWanted) io.to(compact).emit('commits', encodeWireCommits(full))
    if (logicalWanted) io.to(room).except(compact).emit('commits', full)
    return
  }
  const shared: CommitsMessage = { v: PROTOCOL_VERSION, commits: commits.map(publicCommit) }
  if (compactWanted) io.to(compact).except(sender.id).emit('commits', encodeWireCommits(shared))
  if (logicalWanted) io.to(room).except([compact, sender.id]).emit('commits', shared)
  if (sender.connected) sender.emit('commits', sender.data.wire === WIRE_COMPACT ? encodeWireCommits(full) : full)
}

/**
 * Which forms someone may receive. A single process sees every socket of the space, so it skips
 * encoding a form that no socket speaks (~1 µs per change). In a cluster the other processes'
 * sockets are out of sight: both forms go through the adapter.
 */
function encodingsWanted(io: HubServer, room: string, compact: string, clustered: boolean): { compactWanted: boolean; logicalWanted: boolean } {
  if (clustered) return { compactWanted: true, logicalWanted: true }
  const rooms = io.of('/').adapter.rooms
  const all = rooms.get(room)?.size ?? 0
  const compactSockets = rooms.get(compact)?.size ?? 0
  return { compactWanted: compactSockets > 0, logicalWanted: all > compactSockets }
}
