/**
 * The demo's shared schema module: the worker entry (accord.worker.ts) and the hub
 * (`accord-hub --schema apps/demo/src/schema.ts`) both import it, so replicas and hub agree on
 * collections, validation and merge policies. It must stay free of browser and Node APIs.
 *
 *   cards     fieldMerge: different fields both stand; the same field, last writer wins;
 *             votes is a counter (increments add up), tags a set (adds and removes merge)
 *   invoices  rejectConflicts: a conflicting edit discards the writer's whole transaction
 *   notes     custom: titles, last writer wins; bodies merge line by line (mergeLines)
 *   goals     manual: a conflict stays open until someone picks mine, theirs, or a merged value
 */
import { counter, custom, defineSchema, fieldMerge, manual, reject, rejectConflicts, set, type CustomMergeInput, type CustomMergeResult } from '@accord/core'
import { mergeLines } from './model/merge-lines.js'
import { number, oneOf, optional, recordSchema, text, textList } from './model/record-schema.js'

export const CARD_STATUSES = ['todo', 'doing', 'done'] as const
export type CardStatus = (typeof CARD_STATUSES)[number]

export interface Card {
  id: string
  title: string
  status: CardStatus
  votes: number
  tags: string[]
  /** ms since epoch; written once, at creation (so it never conflicts). */
  createdAt: number
}

export const INVOICE_STATUSES = ['draft', 'sent', 'paid'] as const
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number]

export interface Invoice {
  id: string
  customer: string
  /** Whole currency units. */
  amount: number
  status: InvoiceStatus
  note?: string
  createdAt: number
}

export interface Note {
  id: string
  title: string
  body: string
  createdAt: number
}

export interface Goal {
  id: string
  text: string
  owner: string
  createdAt: number
}

/** Notes: the later title wins (by the hub's hybrid clock); bodies keep both sides' lines. */
export function mergeNote({ base, local, remote, fields, meta }: CustomMergeInput): CustomMergeResult {
  // A delete racing an edit, either way round: refuse the later one, so nobody's text vanishes silently.
  if (local === undefined || remote === undefined) return reject
  const out: { [field: string]: string } = {}
  for (const field of fields) {
    const mine = local[field]
    const theirs = remote[field]
    if (field === 'body' && typeof mine === 'string' && typeof theirs === 'string') {
      const was = base[field]
      out[field] = mergeLines(typeof was === 'string' ? was : '', mine, theirs)
    } else if (typeof mine === 'string' && typeof theirs === 'string') {
      out[field] = meta.localHlc > (meta.remoteHlc[field] ?? '') ? mine : theirs
    }
  }
  return out
}

export const schema = defineSchema({
  version: 1,
  collections: {
    cards: {
      indexes: ['status', 'createdAt'],
      schema: recordSchema<Card>('card', {
        title: text({ min: 1, max: 200 }),
        status: oneOf(...CARD_STATUSES),
        votes: number({ integer: true }),
        tags: textList(),
        createdAt: number(),
      }),
      policy: fieldMerge({ fields: { votes: counter(), tags: set() } }),
    },
    invoices: {
      indexes: ['createdAt'],
      schema: recordSchema<Invoice>('invoice', {
        customer: text({ min: 1, max: 100 }),
        amount: number({ min: 0 }),
        status: oneOf(...INVOICE_STATUSES),
        note: optional(text({ max: 500 })),
        createdAt: number(),
      }),
      policy: rejectConflicts(),
    },
    notes: {
      indexes: ['createdAt'],
      schema: recordSchema<Note>('note', { title: text({ max: 200 }), body: text({ max: 20_000 }), createdAt: number() }),
      policy: custom(mergeNote),
    },
    goals: {
      indexes: ['createdAt'],
      schema: recordSchema<Goal>('goal', { text: text({ min: 1, max: 300 }), owner: text({ max: 100 }), createdAt: number() }),
      policy: manual(),
    },
  },
})

export type DemoSchema = typeof schema
