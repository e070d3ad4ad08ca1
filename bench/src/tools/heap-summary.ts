/**
 * Summarizes a V8 .heapsnapshot: self size and count per constructor name, largest first, so a
 * heap figure can say what its bytes are.
 *   node --import tsx bench/src/tools/heap-summary.ts <file.heapsnapshot> [top=25]
 */
import { readFileSync } from 'node:fs'

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } }
  nodes: number[]
  strings: string[]
}

export function summarizeHeap(snapshot: Snapshot, top = 25): Array<{ name: string; count: number; bytes: number }> {
  const fields = snapshot.snapshot.meta.node_fields
  const types = snapshot.snapshot.meta.node_types[0]
  const width = fields.length
  const typeAt = fields.indexOf('type')
  const nameAt = fields.indexOf('name')
  const sizeAt = fields.indexOf('self_size')
  const byName = new Map<string, { count: number; bytes: number }>()
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt] as number] ?? '?'
    const raw = snapshot.strings[snapshot.nodes[i + nameAt] as number] ?? '?'
    const name = type === 'object' || type === 'closure' ? raw : `(${type})`
    const entry = byName.get(name) ?? { count: 0, bytes: 0 }
    entry.count += 1
    entry.bytes += snapshot.nodes[i + sizeAt] as number
    byName.set(name, entry)
  }
  return [...byName].map(([name, e]) => ({ name, ...e })).sort((a, b) => b.bytes - a.bytes).slice(0, top)
}

if (process.argv[1]?.endsWith('heap-summary.ts')) {
  const [file, top] = process.argv.slice(2)
  if (!file) {
    console.error('usage: heap-summary <file.heapsnapshot> [top]')
    process.exit(2)
  }
  for (const row of summarizeHeap(JSON.parse(readFileSync(file, 'utf8')) as Snapshot, Number(top ?? 25))) {
    console.log(`${(row.bytes / 1024).toFixed(0).padStart(9)} KB ${String(row.count).padStart(8)}  ${row.name}`)
  }
}
