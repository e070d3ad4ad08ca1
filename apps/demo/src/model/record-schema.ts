/**
 * A tiny Standard Schema builder for the demo's records, so the schema module needs no validation
 * library (zod, valibot and arktype schemas plug in the same way). A record is valid when every
 * declared field passes its check; undeclared fields are refused.
 */
import type { StandardSchemaV1 } from '@accord/core'

/** Returns an error message, or undefined when the value is fine. */
export type FieldCheck = (value: unknown) => string | undefined

export type FieldChecks<T> = { [K in Exclude<keyof T, 'id'>]-?: FieldCheck }

/** A Standard Schema accepting objects with a string `id` and the fields `checks` allows. */
export function recordSchema<T extends { id: string }>(name: string, checks: FieldChecks<T>): StandardSchemaV1<T, T> {
  const table = checks as Record<string, FieldCheck>
  return {
    '~standard': {
      version: 1,
      vendor: 'accord-demo',
      validate(value: unknown): StandardSchemaV1.Result<T> {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          return { issues: [{ message: `${name}: a record must be an object` }] }
        }
        const record = value as Record<string, unknown>
        const issues: StandardSchemaV1.Issue[] = []
        if (typeof record['id'] !== 'string' || record['id'] === '') issues.push({ message: `${name}: id must be a non-empty string`, path: ['id'] })
        for (const [field, check] of Object.entries(table)) {
          const message = check(record[field])
          if (message) issues.push({ message: `${name}.${field}: ${message}`, path: [field] })
        }
        for (const field of Object.keys(record)) {
          if (field !== 'id' && !(field in table)) issues.push({ message: `${name}: unknown field ${field}`, path: [field] })
        }
        return issues.length > 0 ? { issues } : { value: record as T }
      },
    },
  }
}

export const text =
  (options: { min?: number; max?: number } = {}): FieldCheck =>
  (value) => {
    if (typeof value !== 'string') return 'must be text'
    if (value.length < (options.min ?? 0)) return options.min === 1 ? 'must not be empty' : `needs at least ${options.min} characters`
    if (value.length > (options.max ?? 10_000)) return `must be at most ${options.max ?? 10_000} characters`
    return undefined
  }

export const oneOf =
  (...allowed: readonly string[]): FieldCheck =>
  (value) =>
    typeof value === 'string' && allowed.includes(value) ? undefined : `must be one of ${allowed.join(', ')}`

export const number =
  (options: { min?: number; integer?: boolean } = {}): FieldCheck =>
  (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number'
    if (options.integer && !Number.isInteger(value)) return 'must be a whole number'
    if (options.min !== undefined && value < options.min) return `must be at least ${options.min}`
    return undefined
  }

export const textList =
  (): FieldCheck =>
  (value) =>
    Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : 'must be a list of text'

/** Optional: undefined passes, anything else goes to `check`. */
export const optional =
  (check: FieldCheck): FieldCheck =>
  (value) =>
    value === undefined ? undefined : check(value)
