/** A small board to start from, written as one transaction (fixed ids: loading it twice is harmless). */
import type { Replica } from '@accord/client'
import type { DemoSchema } from '../schema.js'

export async function loadSampleData(db: Replica<DemoSchema>): Promise<void> {
  const t = Date.now()
  await db.transaction(async (tx) => {
    const cards = tx.collection('cards')
    await cards.put({ id: 'card-onboarding', title: 'Write the onboarding guide', status: 'todo', votes: 2, tags: ['docs'], createdAt: t })
    await cards.put({ id: 'card-offline', title: 'Offline mode for the field app', status: 'doing', votes: 5, tags: ['mobile', 'sync'], createdAt: t + 1 })
    await cards.put({ id: 'card-invoicing', title: 'Ship invoice export', status: 'done', votes: 1, tags: [], createdAt: t + 2 })
    const invoices = tx.collection('invoices')
    await invoices.put({ id: 'inv-acme', customer: 'ACME Corp', amount: 1200, status: 'sent', createdAt: t })
    await invoices.put({ id: 'inv-globex', customer: 'Globex', amount: 640, status: 'draft', createdAt: t + 1 })
    await tx.collection('notes').put({ id: 'note-retro', title: 'Retro', body: 'Went well: the sync demo\nTo improve: flaky wifi in room 2', createdAt: t })
    await tx.collection('goals').put({ id: 'goal-q3', text: 'Launch the offline beta', owner: 'Sam', createdAt: t })
  })
}
