/**
 * Which fields differ between devices: the lab page's comparison of the records each device frame
 * reported. A record some device lacks is reported as `col/key`; a field whose values differ
 * (compared as canonical JSON) as `col/key/field`.
 */
import { canonicalJson, type JsonValue } from '@accord/core'
import { fieldPath, type RecordsSnapshot } from '../shared/messages.js'

export function divergedPaths(snapshots: readonly RecordsSnapshot[]): string[] {
  if (snapshots.length < 2) return []
  const paths: string[] = []
  const cols = new Set(snapshots.flatMap((s) => Object.keys(s)))
  for (const col of cols) {
    const keys = new Set(snapshots.flatMap((s) => Object.keys(s[col] ?? {})))
    for (const key of keys) {
      const records = snapshots.map((s) => s[col]?.[key])
      if (records.some((r) => r === undefined)) {
        paths.push(fieldPath(col, key))
        continue
      }
      const fields = new Set(records.flatMap((r) => Object.keys(r ?? {})))
      for (const field of fields) {
        const values = new Set(records.map((r) => canonical(r?.[field])))
        if (values.size > 1) paths.push(fieldPath(col, key, field))
      }
    }
  }
  return paths.sort()
}

function canonical(value: unknown): string {
  return value === undefined ? 'undefined' : canonicalJson(value as JsonValue)
}
