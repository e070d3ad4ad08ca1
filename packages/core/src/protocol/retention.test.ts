import { describe, expect, it } from 'vitest'
import { retentionExpired } from './retention.js'

describe('retentionExpired', () => {
  it('serves a catch-up that started at 0 whatever was purged before it began', () => {
    expect(retentionExpired({ since: 0, origin: 0, horizon: undefined }, 50)).toBeUndefined()
    expect(retentionExpired({ since: 10, origin: 0, horizon: 50 }, 50)).toBeUndefined()
  })

  it('refuses a catch-up that started below the purge horizon', () => {
    expect(retentionExpired({ since: 10, origin: 10, horizon: undefined }, 50)).toMatch(/purged/)
    expect(retentionExpired({ since: 60, origin: 10, horizon: 0 }, 50)).toMatch(/purged/)
  })

  it('refuses a later page when a purge during the catch-up passed its since', () => {
    expect(retentionExpired({ since: 30, origin: 0, horizon: 20 }, 35)).toMatch(/during this catch-up/)
    // The purge stayed behind this page: everything it removed was read before.
    expect(retentionExpired({ since: 40, origin: 0, horizon: 20 }, 35)).toBeUndefined()
  })
})
