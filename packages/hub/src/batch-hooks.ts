import type { BatchDecision } from '@accord/core'
import type { AuthorizeFn, Principal } from './types.js'

/** A transaction refused by an async hook, keyed by `txKey` as `decideBatch` expects. */
export type Refusals = Map<string, { code: string; message: string }>

/** An async hook threw: the batch fails as `internal` and nothing is written (the replica retries). */
export class HookError extends Error {
  constructor(message: string, options: { cause: unknown }) {
    super(message, options)
    this.name = 'HookError'
  }
}

/**
 * Runs the async hooks on one decision: `authorize` for every applied change (with the record
 * before and after it) and the Standard Schema validations that answered with a Promise. Returns
 * the transactions newly refused. Every hook is awaited (allSettled) so none rejects unobserved.
 */
export async function judgeDecision(
  decision: BatchDecision,
  ctx: { authorize: AuthorizeFn | undefined; principal: Principal; space: string; refused: ReadonlyMap<string, unknown> },
): Promise<Refusals> {
  const found: Refusals = new Map()
  const authorizations = ctx.authorize === undefined ? [] : decision.effects.filter((e) => !ctx.refused.has(e.tx))
  const authorize = ctx.authorize
  const [auth, validations] = await Promise.all([
    Promise.allSettled(
      authorizations.map(async (effect) => {
        const allowed = await authorize?.({
          principal: ctx.principal,
          space: ctx.space,
          action: 'write',
          change: effect.change,
          ...(effect.before === undefined ? {} : { before: effect.before }),
          ...(effect.after === undefined ? {} : { after: effect.after }),
        })
        return { effect, allowed: allowed === true }
      }),
    ),
    Promise.allSettled(decision.pendingValidations.map(async (pending) => ({ pending, result: await pending.result }))),
  ])

  for (const outcome of auth) {
    if (outcome.status === 'rejected') throw new HookError('authorize threw', { cause: outcome.reason })
    const { effect, allowed } = outcome.value
    if (!allowed && !found.has(effect.tx)) {
      found.set(effect.tx, { code: 'unauthorized', message: `not allowed to write ${effect.change.col}/${effect.change.key}` })
    }
  }
  decision.pendingValidations.forEach((pending, i) => {
    const outcome = validations[i]
    if (found.has(pending.tx) || ctx.refused.has(pending.tx) || outcome === undefined) return
    if (outcome.status === 'rejected') {
      const reason = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      found.set(pending.tx, { code: 'validation_failed', message: `${pending.col}/${pending.key}: the validator threw: ${reason}` })
      return
    }
    const issues = outcome.value.result.issues
    if (issues) found.set(pending.tx, { code: 'validation_failed', message: `${pending.col}/${pending.key}: ${issues[0]?.message ?? 'invalid'}` })
  })
  return found
}
