import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Schema } from '@accord/core'

/**
 * Imports the app's schema module and returns its `schema` export (or its default export). A
 * `.ts`/`.mts`/`.cts` module is loaded through tsx, so the hub can share the app's source file.
 */
export async function loadSchema(path: string): Promise<Schema> {
  const absolute = resolve(path)
  const mod = /\.[cm]?ts$/.test(absolute)
    ? ((await (await import('tsx/esm/api')).tsImport(absolute, import.meta.url)) as Record<string, unknown>)
    : ((await import(pathToFileURL(absolute).href)) as Record<string, unknown>)
  const found = mod['schema'] ?? (mod['default'] as Record<string, unknown> | undefined)?.['schema'] ?? mod['default']
  if (!isSchema(found)) throw new Error(`${path} does not export \`schema\` (made with defineSchema)`)
  return found
}

function isSchema(value: unknown): value is Schema {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Schema).version === 'number' &&
    typeof (value as Schema).collection === 'function' &&
    typeof (value as Schema).has === 'function'
  )
}
