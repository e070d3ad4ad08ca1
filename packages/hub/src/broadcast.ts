import { PROTOCOL_VERSION, type Commit, type CommitsMessage } from '@accord/core'
import { encodeWireCommits, isCompactWire, WIRE_COMPACT, WIRE_ROOM_COPY, type WireEncoding } from '@accord/core/internal'
import type { HubServer, HubSocket } from './types.js'

/** The Socket.IO room of a space: every socket of it. */
export function spaceRoom(space: string): string {
  return `space:${space}`
}

/** The sockets of a space that speak `wire: 2` (also in `spaceRoom`; not those of `wire: 3`). */
export function compactRoom(space: string): string {
  return `space:${space}#wire2`
}

/** The sockets of a space that speak `wire: 3` (compact, with room copies of broadcasts). */
export function roomCopyRoom(space: string): string {
  return `space:${space}#wire3`
}

/**
 * The `wire: 3` sockets of one replica (its runtime, a copy of its database elsewhere, a leader
 * taking over): they get the author's copy of that replica's batches.
 */
export function authorRoom(space: string, replica: string): string {
  return `space:${space}#wire3@${replica}`
}

/** The rooms a connection joins: its space's, and its encoding's. */
export function roomsOf(space: string, replica: string, wire: WireEncoding): string[] {
  if (wire === WIRE_ROOM_COPY) return [spaceRoom(space), roomCopyRoom(space), authorRoom(space, replica)]
  if (wire === WIRE_COMPACT) return [spaceRoom(space), compactRoom(space)]
  return [spaceRoom(space)]
}

/** A commit without its ConflictRecord when that record is a refusal only its writer may see. */
function publicCommit(commit: Commit): Commit {
  if (!commit.conflict?.private) return commit
  const { conflict: _private, ...rest } = commit
  return rest
}

/**
 * Emits one settled batch to the space's room, the sender included (DESIGN §3 rule 5), as one
 * message per socket, in three forms, each encoded once whatever the number of sockets:
 *
 * - the **author's copy** (compact, with `by`/`writer`/`through`/`tx`) to the `wire: 2` sockets
 *   and to the `wire: 3` sockets of the author's replica: only a database holding the writer's
 *   outbox removes settled changes with `through`, and a copy of that database elsewhere (or the
 *   leader that takes its socket over) holds the same outbox;
 * - the **room copy** (compact, no author) to every other `wire: 3` socket, as the event `c`;
 * - the logical message, as it is, to the sockets that announced no compact encoding.
 *
 * Rooms by name reach the sockets of every hub process through the adapter, so the same emits
 * serve a cluster. Private ConflictRecords (refusals by `authorize`, schema or size) are stripped
 * from all of these; the sending socket, whose writer they concern, gets the full author's copy.
 */
export function broadcastBatch(io: HubServer, sender: HubSocket, space: string, commits: Commit[], clustered: boolean): void {
  if (commits.length === 0) return
  const authors = [...new Set(commits.flatMap((c) => (c.by === undefined ? [] : [authorRoom(space, c.by)])))]
  const wanted = formsWanted(io, space, authors, clustered)
  const full: CommitsMessage = { v: PROTOCOL_VERSION, commits }
  const hasPrivate = commits.some((c) => c.conflict?.private)
  const shared: CommitsMessage = hasPrivate ? { v: PROTOCOL_VERSION, commits: commits.map(publicCommit) } : full
  const skip = hasPrivate ? [sender.id] : []
  // Compact first: it is what replicas of this library speak; the logical form is for others.
  if (wanted.author) io.to([compactRoom(space), ...authors]).except(skip).emit('commits', encodeWireCommits(shared))
  if (wanted.room) io.to(roomCopyRoom(space)).except([...authors, ...skip]).emit('c', encodeWireCommits(shared, 'room'))
  if (wanted.logical) io.to(spaceRoom(space)).except([compactRoom(space), roomCopyRoom(space), ...skip]).emit('commits', shared)
  if (hasPrivate && sender.connected) sender.emit('commits', isCompactWire(sender.data.wire) ? encodeWireCommits(full) : full)
}

/**
 * Which forms someone may receive. A single process sees every socket of the space, so it skips
 * encoding a form that no socket speaks (~1 µs per change). In a cluster the other processes'
 * sockets are out of sight: every form goes through the adapter.
 */
function formsWanted(io: HubServer, space: string, authors: string[], clustered: boolean): { author: boolean; room: boolean; logical: boolean } {
  if (clustered) return { author: true, room: true, logical: true }
  const rooms = io.of('/').adapter.rooms
  const size = (room: string): number => rooms.get(room)?.size ?? 0
  const ofAuthors = authors.reduce((sum, room) => sum + size(room), 0)
  const compact = size(compactRoom(space))
  const roomCopy = size(roomCopyRoom(space))
  return { author: compact + ofAuthors > 0, room: roomCopy > ofAuthors, logical: size(spaceRoom(space)) > compact + roomCopy }
}
