import type { Principal } from './types.js'

/** The id of a principal, as replicas are bound to it and the handshake reply names it. */
export function principalId(principal: Principal): string {
  return typeof principal === 'string' ? principal : principal.id
}

/** Whether `authenticate` returned something usable as a principal. */
export function isPrincipal(value: unknown): value is Principal {
  if (typeof value === 'string') return value.length > 0
  return typeof value === 'object' && value !== null && typeof (value as { id?: unknown }).id === 'string' && (value as { id: string }).id.length > 0
}
