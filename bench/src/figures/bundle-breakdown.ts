/**
 * P9's breakdown: which of our source folders the own-code bundle's bytes come from, and what each
 * costs gzipped. Every character of the minified output is attributed to the source file its
 * source map names (esbuild's own glue, unmapped, is `(bundler glue)`); a part's bytes are
 * gzipped alone (`gzipAloneBytes`), and the whole bundle is gzipped again without them
 * (`gzipMarginalBytes`: what leaving that part out would save, compression context included).
 * The marginals do not add up to the total: parts compress against each other.
 */
import { gzipSync } from 'node:zlib'

export interface BundlePart {
  part: string
  /** What it does, and whether any client of this design needs it. */
  role: string
  minBytes: number
  gzipAloneBytes: number
  gzipMarginalBytes: number
  /** Minified bytes of its biggest files. */
  files: Record<string, number>
}

/** Source folders as parts; the first matching prefix wins. Paths are relative to `packages/`. */
const PARTS: Array<{ prefix: string; part: string; role: string }> = [
  { prefix: 'core/src/protocol/wire/', part: 'core: compact wire codec', role: "encodes pushes, decodes commits and pull pages (P8's bytes); any client speaking the compact wire" },
  { prefix: 'core/src/protocol/', part: 'core: protocol messages', role: 'the logical messages and their guards; any client' },
  { prefix: 'core/src/replica/', part: 'core: replica engine', role: 'local writes, outbox, rebase, applying commits and pages (ReplicaSync); any client' },
  { prefix: 'core/src/policies/', part: 'core: merge policies', role: 'field types a local write must apply (counters, sets); any client' },
  { prefix: 'core/src/decider/', part: 'core: hub decider', role: "the hub's decision; a client should need none of it" },
  { prefix: 'core/src/clock/', part: 'core: HLC', role: 'stamps local writes; any client' },
  { prefix: 'core/src/schema/', part: 'core: schema', role: 'defineSchema, collection specs; any client' },
  { prefix: 'core/src/', part: 'core: model (errors, JSON, strings, record ops)', role: 'shared rules a write is checked against; any client' },
  { prefix: 'client/src/runtime/store/', part: 'client runtime: IndexedDB store', role: 'the Dexie store and its batched transaction; any client that persists' },
  { prefix: 'client/src/runtime/sync/', part: 'client runtime: sync', role: 'socket session, connection loop, push/pull driver; any client with a hub' },
  { prefix: 'client/src/runtime/query/', part: 'client runtime: queries', role: 'find() conditions and index planning; any client' },
  { prefix: 'client/src/runtime/live/', part: 'client runtime: live feeds', role: 'status, conflicts, watchers; any client' },
  { prefix: 'client/src/runtime/', part: 'client runtime: core (local runtime, opened replica)', role: 'the runtime a worker hosts; any client' },
  { prefix: 'client/src/worker/', part: 'client: worker hosting', role: 'serveReplica, page handles, leader election and relay, in-process host; any worker-hosted client' },
  { prefix: 'client/src/shared/', part: 'client: worker API', role: 'the page ↔ worker interface; any worker-hosted client' },
  { prefix: 'client/src/page/', part: 'client: page API', role: 'openReplica, collections, Observables, transactions on the page; any client' },
]

const GLUE = '(bundler glue)'

/** Splits `code` by its source map into per-part text, then measures each part. */
export function breakDown(code: string, map: { sources: string[]; mappings: string }): { parts: BundlePart[]; totalGzipBytes: number } {
  const owner = map.sources.map((source) => {
    const path = source.replace(/\\/g, '/').replace(/^.*?packages\//, '')
    const ts = path.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts')
    return { file: ts, part: PARTS.find((p) => ts.startsWith(p.prefix))?.part ?? GLUE }
  })
  const text = new Map<string, string[]>()
  const files = new Map<string, Map<string, number>>()
  const add = (index: number | undefined, chunk: string): void => {
    if (!chunk) return
    const { part, file } = (index === undefined ? undefined : owner[index]) ?? { part: GLUE, file: GLUE }
    const t = text.get(part) ?? []
    t.push(chunk)
    text.set(part, t)
    const f = files.get(part) ?? new Map<string, number>()
    f.set(file, (f.get(file) ?? 0) + Buffer.byteLength(chunk))
    files.set(part, f)
  }
  const lines = code.split('\n')
  const segmentsByLine = decodeMappings(map.mappings)
  lines.forEach((line, lineNo) => {
    let from = 0
    let current: number | undefined
    for (const [column, source] of segmentsByLine[lineNo] ?? []) {
      add(current, line.slice(from, column))
      from = column
      current = source
    }
    add(current, lineNo < lines.length - 1 ? `${line.slice(from)}\n` : line.slice(from))
  })
  const gz = (s: string): number => gzipSync(Buffer.from(s), { level: 9 }).byteLength
  const totalGzipBytes = gz(code)
  const parts = [...text.entries()].map(([part, chunks]): BundlePart => {
    const alone = chunks.join('')
    const others = [...text.entries()].filter(([p]) => p !== part).flatMap(([, c]) => c).join('')
    const top = [...(files.get(part) ?? new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]).slice(0, 6)
    return {
      part,
      role: PARTS.find((p) => p.part === part)?.role ?? "esbuild's module glue and what no source map names",
      minBytes: Buffer.byteLength(alone),
      gzipAloneBytes: gz(alone),
      gzipMarginalBytes: totalGzipBytes - gz(others),
      files: Object.fromEntries(top.map(([f, b]) => [f.replace(/^(core|client)\/src\//, '$1/'), b])),
    }
  })
  return { parts: parts.sort((a, b) => b.minBytes - a.minBytes), totalGzipBytes }
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/** Source map v3 `mappings`: per generated line, [column, source index or undefined] per segment. */
function decodeMappings(mappings: string): Array<Array<[number, number | undefined]>> {
  let source = 0
  return mappings.split(';').map((line) => {
    let column = 0
    return line
      .split(',')
      .filter(Boolean)
      .map((segment): [number, number | undefined] => {
        const fields = decodeVlq(segment)
        column += fields[0] ?? 0
        if (fields.length < 4) return [column, undefined]
        source += fields[1] ?? 0
        return [column, source]
      })
  })
}

function decodeVlq(segment: string): number[] {
  const out: number[] = []
  let value = 0
  let shift = 0
  for (const char of segment) {
    const digit = BASE64.indexOf(char)
    value += (digit & 31) << shift
    if (digit & 32) shift += 5
    else {
      out.push(value & 1 ? -(value >>> 1) : value >>> 1)
      value = 0
      shift = 0
    }
  }
  return out
}
