/**
 * P8 — bytes on the wire. The real client runtime (in-process, on fake-indexeddb: bytes do not
 * depend on the storage's speed) syncs with a real hub through a TCP proxy that splits the
 * WebSocket stream into frames. Measured: the push frame a single-field patch sends, the
 * broadcast frame every other replica receives for it (the room copy, `wire: 3`: a second runtime
 * behind its own proxy), the frame the author's replica receives (the author's copy), and the same
 * for 100 patches sent in one push.
 * Baseline: a WebSocket frame carrying the minimal JSON of the same data, `{col, key, set}` per
 * change (an array of them for the batch), with the same frame header and masking.
 */
import { join } from 'node:path'
import { createLocalRuntime, type LocalRuntime } from '@accord/client/runtime'
import { COMMIT_FLAGS, PUSH_FLAGS } from '@accord/core/internal'
import { createHub, sqliteStore, type Hub } from '@accord/hub'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { Figure, FigureModule, RunContext } from '../lib/figure.js'
import { round } from '../lib/stats.js'
import { startFrameProxy, wsFrameBytes, type Direction, type Frame, type FrameProxy } from '../node/frame-proxy.js'
import { makeItem, schema } from '../schema.js'

const SINGLE_TARGET = 1.25
const BATCH_TARGET_BYTES = 12
const BATCH = 100
/** The author's own copy (one replica of the space) is reported for comparison; the target is every other replica's. */
const AUTHOR_COPY = { text: "n/a (author's copy)", met: null }

export const p8: FigureModule = {
  ids: ['P8'],
  title: 'bytes on the wire',
  run: (ctx) => measureWire(ctx),
}

type Result<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } }
async function unwrap<T>(result: Promise<Result<T>>): Promise<T> {
  const r = await result
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`)
  return r.value
}

async function measureWire(ctx: RunContext): Promise<Figure[]> {
  const hub: Hub = await createHub({ schema, store: sqliteStore(join(ctx.tmp, 'p8-hub.db')), port: 0, host: '127.0.0.1', headIntervalMs: 600_000 })
  let proxy: FrameProxy | undefined
  let observerProxy: FrameProxy | undefined
  let runtime: LocalRuntime | undefined
  let observer: LocalRuntime | undefined
  try {
    proxy = await startFrameProxy(hub.port)
    observerProxy = await startFrameProxy(hub.port)
    const open = async (name: string, via: FrameProxy): Promise<LocalRuntime> => {
      const r = createLocalRuntime({ schema, indexedDB: new IDBFactory(), IDBKeyRange, storage: null })
      await unwrap(r.open({ name, schemaVersion: schema.version, hub: { url: `http://127.0.0.1:${via.port}`, space: 'wire' } }, { token: async () => null }))
      return r
    }
    runtime = await open('p8', proxy)
    observer = await open('p8-observer', observerProxy)
    const items = Array.from({ length: BATCH }, (_, i) => makeItem(i))
    await unwrap(runtime.write(items.map((value) => ({ op: 'put' as const, col: 'items', value }))))
    await unwrap(runtime.flush())
    await unwrap(observer.flush())

    proxy.reset()
    observerProxy.reset()
    const first = items[0] as (typeof items)[number]
    await unwrap(runtime.write([{ op: 'update', col: 'items', key: first.id, patch: { title: 'Renamed item 0' } }]))
    await unwrap(runtime.flush())
    await unwrap(observer.flush())
    const single = classify(proxy.frames)
    const singleRoom = classify(observerProxy.frames)

    await unwrap(runtime.pause())
    for (const item of items) await unwrap(runtime.write([{ op: 'update', col: 'items', key: item.id, patch: { title: `Renamed ${item.id}` } }]))
    proxy.reset()
    observerProxy.reset()
    await unwrap(runtime.resume())
    await unwrap(runtime.flush())
    await unwrap(observer.flush())
    const batch = classify(proxy.frames)
    const batchRoom = classify(observerProxy.frames)
    if (batch.push.length !== 1) throw new Error(`expected the 100 patches in one push, saw ${batch.push.length} pushes`)

    const minimalOne = [{ col: 'items', key: first.id, set: { title: 'Renamed item 0' } }]
    const minimalBatch = items.map((item) => ({ col: 'items', key: item.id, set: { title: `Renamed ${item.id}` } }))
    return [
      singleFigure('push (replica → hub)', one(single.push), minimalOne[0], 'up', single),
      singleFigure('broadcast (hub → each other replica)', one(singleRoom.commits), minimalOne[0], 'down', singleRoom),
      singleFigure("broadcast (hub → the author's replica)", one(single.commits), minimalOne[0], 'down', single, false),
      batchFigure('push (replica → hub)', one(batch.push), minimalBatch, 'up'),
      batchFigure('broadcast (hub → each other replica)', one(batchRoom.commits), minimalBatch, 'down'),
      batchFigure("broadcast (hub → the author's replica)", one(batch.commits), minimalBatch, 'down', false),
    ]
  } finally {
    await runtime?.close()
    await observer?.close()
    await proxy?.close()
    await observerProxy?.close()
    await hub.close()
  }
}

interface Classified {
  push: Frame[]
  ack: Frame[]
  commits: Frame[]
  other: Frame[]
}

/** Sorts engine.io/Socket.IO frames: `42["push",…]`, `43<id>[…]` acks, `42["commits",…]` and room copies `42["c",…]`, the rest. */
function classify(frames: Frame[]): Classified {
  const out: Classified = { push: [], ack: [], commits: [], other: [] }
  for (const f of frames) {
    if (f.payload.startsWith('42') && /^42\d*\["push"/.test(f.payload)) out.push.push(f)
    else if (/^42\["(?:commits|c)"/.test(f.payload)) out.commits.push(f)
    else if (f.direction === 'down' && /^43\d+\[\{"ok":true,"through"/.test(f.payload)) out.ack.push(f)
    else out.other.push(f)
  }
  return out
}

function one(frames: Frame[]): Frame {
  if (frames.length !== 1) throw new Error(`expected one frame, saw ${frames.length}`)
  return frames[0] as Frame
}

/** Where a frame's bytes go: the frame header, the Socket.IO envelope, and each field of one change or commit. */
function breakdown(frame: Frame): Record<string, number> {
  const match = /^(42\d*\["(?:push|commits|c)",)(.*)\]$/s.exec(frame.payload)
  if (!match) return {}
  const body = JSON.parse(match[2] as string) as unknown
  const fields: Record<string, number> = { wsHeader: frame.headerBytes, socketIoEnvelope: Buffer.byteLength(match[1] as string) + 1 }
  if (Array.isArray(body)) return { ...fields, ...compactBreakdown(body, Buffer.byteLength(match[2] as string), match[1]?.includes('"push"') === true) }
  const logical = body as { v: number; changes?: Array<Record<string, unknown>>; commits?: Array<Record<string, unknown>> }
  const list = logical.changes ?? logical.commits ?? []
  const item = list[0] ?? {}
  fields.messageWrapper = Buffer.byteLength(match[2] as string) - list.reduce((sum, c) => sum + Buffer.byteLength(JSON.stringify(c)), 0) - Math.max(0, list.length - 1)
  for (const [key, value] of Object.entries(item)) fields[`change.${key}`] = Buffer.byteLength(`"${key}":${JSON.stringify(value)},`)
  return fields
}

/** The same for a compact frame (`wire: 2`): each element of its first tuple, named by its flags. */
function compactBreakdown(body: unknown[], bodyBytes: number, push: boolean): Record<string, number> {
  const tuple = (push ? body[0] : body[1]) as unknown[] | undefined
  if (!Array.isArray(tuple)) return { messageWrapper: bodyBytes }
  const flags = tuple[0] as number
  const fixed = push ? ['flags', 'col', 'key', 'base', 'hlc'] : ['flags', 'seqMinusPv', 'col', 'key']
  const bits = push ? PUSH_FLAGS : COMMIT_FLAGS
  const withValue = push
    ? ['SET', 'PREV', 'UNSET', 'INC', 'ADD', 'REMOVE', 'FIELD_BASE', 'RESOLVES', 'WRITER', 'N', 'TX', 'ORD', 'REPLICA']
    : ['SET', 'HLC', 'RUN', 'UNSET', 'HLC_MAP', 'REJECTED', 'CONFLICT', 'RESOLVED', 'SEQ']
  const names = [...fixed, ...Object.entries(bits).filter(([name, bit]) => withValue.includes(name) && (flags & bit) !== 0).map(([name]) => name.toLowerCase())]
  const fields: Record<string, number> = {}
  let items = 0
  tuple.forEach((value, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(value)) + (i < tuple.length - 1 ? 1 : 0)
    fields[`${push ? 'change' : 'commit'}.${names[i] ?? `extra${i}`}`] = bytes
    items += bytes
  })
  const firstSeq = push ? 0 : Buffer.byteLength(`${JSON.stringify(body[0])},`)
  if (!push) fields.firstSeq = firstSeq
  // The brackets, and in a batch every other tuple.
  fields.messageWrapper = bodyBytes - items - firstSeq
  return fields
}

/** `targeted`: false for the author's own copy, reported beside the room copy but not held to the target. */
function singleFigure(what: string, frame: Frame, minimal: unknown, direction: Direction, all: Classified, targeted = true): Figure {
  const minimalBytes = wsFrameBytes(Buffer.byteLength(JSON.stringify(minimal)), direction)
  const ratio = frame.wireBytes / minimalBytes
  return {
    id: 'P8',
    title: 'bytes on the wire, single-field patch',
    case: `1 patch, ${what}`,
    durability: 'n/a',
    measured: {
      unit: 'B',
      value: frame.wireBytes,
      what: 'the WebSocket frame Socket.IO sends (header, mask, engine.io + Socket.IO envelope, message)',
      frame: frame.payload,
      breakdown: breakdown(frame),
      ...(direction === 'up' ? { ackFrameBytes: all.ack.map((f) => f.wireBytes) } : {}),
    },
    baseline: { unit: 'B', value: minimalBytes, what: `a WebSocket frame of the minimal JSON ${JSON.stringify(minimal)}` },
    ratio: { value: round(ratio) },
    target: targeted ? { text: `≤ ${SINGLE_TARGET}×`, met: ratio <= SINGLE_TARGET } : AUTHOR_COPY,
  }
}

function batchFigure(what: string, frame: Frame, minimal: unknown[], direction: Direction, targeted = true): Figure {
  const minimalBytes = wsFrameBytes(Buffer.byteLength(JSON.stringify(minimal)), direction)
  const perChange = (frame.wireBytes - minimalBytes) / minimal.length
  return {
    id: 'P8',
    title: 'bytes on the wire, batch of 100 patches',
    case: `${minimal.length} patches in one ${what}`,
    durability: 'n/a',
    measured: {
      unit: 'B overhead/change',
      value: round(perChange),
      what: '(frame bytes − minimal frame bytes) / changes',
      frameBytes: frame.wireBytes,
      breakdown: breakdown(frame),
    },
    baseline: { unit: 'B', value: minimalBytes, what: `a WebSocket frame of a JSON array of ${minimal.length} minimal {col, key, set}` },
    ratio: { value: round(frame.wireBytes / minimalBytes) },
    target: targeted ? { text: `≤ ${BATCH_TARGET_BYTES} B/change overhead`, met: perChange <= BATCH_TARGET_BYTES } : AUTHOR_COPY,
  }
}
