/**
 * One subscription per collection, status and conflict feed, shared by every view, the lab bridge
 * and the test hooks. Holds the latest value of each as a BehaviorSubject.
 */
import type { ConflictRecord, Replica, ReplicaStatus } from '@accord/client'
import { BehaviorSubject, Subscription } from 'rxjs'
import type { Card, DemoSchema, Goal, Invoice, Note } from '../schema.js'

export interface Collections {
  cards: Card[]
  invoices: Invoice[]
  notes: Note[]
  goals: Goal[]
}

export const COLLECTIONS = ['cards', 'invoices', 'notes', 'goals'] as const

export class AppState {
  readonly cards$ = new BehaviorSubject<Card[]>([])
  readonly invoices$ = new BehaviorSubject<Invoice[]>([])
  readonly notes$ = new BehaviorSubject<Note[]>([])
  readonly goals$ = new BehaviorSubject<Goal[]>([])
  /** Every ConflictRecord this replica holds, newest first. */
  readonly conflicts$ = new BehaviorSubject<ConflictRecord[]>([])
  readonly status$: BehaviorSubject<ReplicaStatus>
  private readonly subscriptions = new Subscription()
  private readonly conflictsById = new Map<number, ConflictRecord>()

  /** Tells this replica's other tabs about dismissals (conflicts$ only reports new or updated records). */
  private readonly dismissals: BroadcastChannel

  constructor(readonly db: Replica<DemoSchema>) {
    this.dismissals = new BroadcastChannel(`accord-demo:dismissed:${db.name}`)
    this.dismissals.onmessage = (event: MessageEvent<number>) => {
      if (this.conflictsById.delete(event.data)) this.publishConflicts()
    }
    this.status$ = new BehaviorSubject(db.status)
    const byCreation = { orderBy: 'createdAt' } as const
    this.subscriptions.add(db.collection('cards').find$(byCreation).subscribe((v) => this.cards$.next(v as Card[])))
    this.subscriptions.add(db.collection('invoices').find$(byCreation).subscribe((v) => this.invoices$.next(v as Invoice[])))
    this.subscriptions.add(db.collection('notes').find$(byCreation).subscribe((v) => this.notes$.next(v as Note[])))
    this.subscriptions.add(db.collection('goals').find$(byCreation).subscribe((v) => this.goals$.next(v as Goal[])))
    this.subscriptions.add(db.status$.subscribe((s) => this.status$.next(s)))
    // Subscribe before listing, so nothing that arrives in between is missed (both merge by id).
    this.subscriptions.add(db.conflicts$.subscribe((record) => this.addConflicts([record])))
    void db.conflicts().then((records) => this.addConflicts(records))
  }

  collections(): Collections {
    return { cards: this.cards$.value, invoices: this.invoices$.value, notes: this.notes$.value, goals: this.goals$.value }
  }

  /** Forgets a ConflictRecord here (not on other devices). */
  async dismissConflict(id: number): Promise<void> {
    await this.db.dismissConflict(id)
    this.conflictsById.delete(id)
    this.publishConflicts()
    this.dismissals.postMessage(id)
  }

  close(): void {
    this.subscriptions.unsubscribe()
    this.dismissals.close()
  }

  private addConflicts(records: ConflictRecord[]): void {
    for (const record of records) this.conflictsById.set(record.id, record)
    this.publishConflicts()
  }

  private publishConflicts(): void {
    this.conflicts$.next([...this.conflictsById.values()].sort((a, b) => b.id - a.id))
  }
}
