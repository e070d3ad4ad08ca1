import { PROTOCOL_VERSION, type Commit, type CommitsMessage } from '@accord/core'
import type { HubServer, HubSocket } from './types.js'

/** The Socket.IO room of a space. */
export function spaceRoom(space: string): string {
  return `space:${space}`
}

/** A commit without its ConflictRecord when that record is a refusal only its writer may see. */
function publicCommit(commit: Commit): Commit {
  if (!commit.conflict?.private) return commit
  const { conflict: _private, ...rest } = commit
  return rest
}

/**
 * Emits one settled batch as one `commits` message to the space's room, the sender included
 * (DESIGN §3 rule 5). Private ConflictRecords (refusals by `authorize`, schema or size) are
 * stripped from the room's copy; the sending socket, whose writer they concern, gets the full one.
 */
export function broadcastBatch(io: HubServer, sender: HubSocket, space: string, commits: Commit[]): void {
  if (commits.length === 0) return
  const full: CommitsMessage = { v: PROTOCOL_VERSION, commits }
  const room = spaceRoom(space)
  if (!commits.some((c) => c.conflict?.private)) {
    io.to(room).emit('commits', full)
    return
  }
  io.to(room).except(sender.id).emit('commits', { v: PROTOCOL_VERSION, commits: commits.map(publicCommit) })
  if (sender.connected) sender.emit('commits', full)
}
