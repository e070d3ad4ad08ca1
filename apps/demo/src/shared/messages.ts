/**
 * The messages between the lab page (devices side by side) and each device frame, over
 * `postMessage` on one origin. A frame reports what it holds; the lab compares the frames and tells
 * each which fields differ from the other devices, so they can be highlighted while they diverge.
 */
import type { ReplicaStatus } from '@accord/client'

/** Every record of every collection: `records[col][key]`. */
export type RecordsSnapshot = { [col: string]: { [key: string]: Record<string, unknown> } }

/** frame → lab */
export type FrameMessage =
  | { type: 'accord-demo:ready'; device: string; replicaId: string }
  | { type: 'accord-demo:snapshot'; device: string; replicaId: string; records: RecordsSnapshot; status: ReplicaStatus; openConflicts: number; conflicts: number }
  | { type: 'accord-demo:failed'; device: string; message: string }

/** lab → frame */
export type LabMessage =
  | { type: 'accord-demo:diverged'; paths: string[]; devices: Record<string, string> }
  | { type: 'accord-demo:network'; online: boolean }
  | { type: 'accord-demo:seed' }

/** A field's path in highlights: `col/key/field`, or `col/key` for a record one device lacks. */
export function fieldPath(col: string, key: string, field?: string): string {
  return field === undefined ? `${col}/${key}` : `${col}/${key}/${field}`
}

function isDemoMessage(data: unknown): boolean {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string' && (data as { type: string }).type.startsWith('accord-demo:')
}

/** Same-origin messages only reach these guards (callers check `event.origin`). */
export const isFrameMessage = (data: unknown): data is FrameMessage => isDemoMessage(data)
export const isLabMessage = (data: unknown): data is LabMessage => isDemoMessage(data)
