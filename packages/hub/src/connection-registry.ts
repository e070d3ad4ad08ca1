/**
 * The open connections of each space and the writer each one owns (the first writer its handshake
 * declared: the runtime's own). A new connection that declares an open connection's own writer
 * takes over from it (a leader handover in one browser profile): the caller disconnects the older
 * one. Other declared writers (older writers with pending changes) do not displace anyone, so
 * copies of one database — which share those older writers but each have their own — coexist
 * instead of disconnecting each other forever.
 */
export class ConnectionRegistry {
  /** space → socket id → own writer */
  private readonly owners = new Map<string, Map<string, string>>()

  /** Registers a connection; returns the ids of the connections it displaces. */
  open(space: string, socketId: string, writers: readonly string[]): string[] {
    let members = this.owners.get(space)
    if (!members) this.owners.set(space, (members = new Map()))
    const declared = new Set(writers)
    const displaced: string[] = []
    for (const [other, own] of members) if (other !== socketId && declared.has(own)) displaced.push(other)
    members.set(socketId, writers[0] ?? '')
    return displaced
  }

  close(space: string, socketId: string): void {
    const members = this.owners.get(space)
    members?.delete(socketId)
    if (members?.size === 0) this.owners.delete(space)
  }

  /** Spaces with at least one open connection. */
  activeSpaces(): string[] {
    return [...this.owners.keys()]
  }
}
