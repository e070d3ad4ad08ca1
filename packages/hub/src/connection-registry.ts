/**
 * Which open connection holds which writer, per space, and which spaces have connections. A new
 * connection declaring a writer that an older one holds takes it over (a leader handover): the
 * caller disconnects the older one.
 */
export class ConnectionRegistry {
  private readonly holders = new Map<string, Map<string, string>>()
  private readonly sockets = new Map<string, Set<string>>()

  /** Registers a connection and its declared writers; returns the ids of connections it displaces. */
  open(space: string, socketId: string, writers: Iterable<string>): string[] {
    let members = this.sockets.get(space)
    if (!members) this.sockets.set(space, (members = new Set()))
    members.add(socketId)
    const displaced = new Set<string>()
    const held = this.heldIn(space)
    for (const writer of writers) {
      const holder = held.get(writer)
      if (holder !== undefined && holder !== socketId) displaced.add(holder)
      held.set(writer, socketId)
    }
    return [...displaced]
  }

  /** Records writers a connection first used in a push; nobody is displaced by that. */
  use(space: string, socketId: string, writers: Iterable<string>): void {
    const held = this.heldIn(space)
    for (const writer of writers) if (!held.has(writer)) held.set(writer, socketId)
  }

  close(space: string, socketId: string): void {
    const members = this.sockets.get(space)
    members?.delete(socketId)
    if (members?.size === 0) this.sockets.delete(space)
    const held = this.holders.get(space)
    if (!held) return
    for (const [writer, holder] of held) if (holder === socketId) held.delete(writer)
    if (held.size === 0) this.holders.delete(space)
  }

  /** Spaces with at least one open connection. */
  activeSpaces(): string[] {
    return [...this.sockets.keys()]
  }

  private heldIn(space: string): Map<string, string> {
    let held = this.holders.get(space)
    if (!held) this.holders.set(space, (held = new Map()))
    return held
  }
}
