import type { WireError } from '@accord/core'
import type { HubSocket } from './types.js'

/** Events a replica may emit (ClientToHubEvents). */
const KNOWN_EVENTS = new Set(['push', 'pull', 'head'])

export type Ack<R> = (response: R) => void

/**
 * Splits a raw event's arguments into one payload and its acknowledgement. A Socket.IO handler
 * receives whatever the client sent: any number of arguments, with or without an ack. Returns
 * undefined when there is no ack to answer (the request is then dropped: nobody waits for it).
 */
export function splitRequest<R>(args: unknown[], payloads: number): { payload: unknown; ack: Ack<R>; extra: boolean } | undefined {
  const ack = args[args.length - 1]
  if (typeof ack !== 'function') return undefined
  const rest = args.slice(0, -1)
  return { payload: rest[0], ack: ack as Ack<R>, extra: rest.length !== payloads }
}

export function failure(code: string, message: string, details?: unknown): { ok: false; error: WireError } {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } }
}

/** An event the protocol does not know is answered `malformed` when it asks for an answer. */
export function registerUnknownEventHandler(socket: HubSocket): void {
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && KNOWN_EVENTS.has(event)) return
    const ack = args[args.length - 1]
    if (typeof ack === 'function') (ack as Ack<unknown>)(failure('malformed', `unknown event ${JSON.stringify(String(event)).slice(0, 80)}`))
  })
}

/** Listens to a protocol event with its raw arguments: the typed map describes honest clients only. */
export function onRaw(socket: HubSocket, event: string, handler: (...args: unknown[]) => void): void {
  ;(socket as unknown as { on(event: string, listener: (...args: unknown[]) => void): void }).on(event, handler)
}
