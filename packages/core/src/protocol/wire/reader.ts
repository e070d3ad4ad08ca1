/**
 * Hostile-safe reading of compact wire frames. A decoder reads a JSON-decoded array element by
 * element through a `Tuple`; any surprise throws `WireInvalid`, which `decodeWith` turns into the
 * same `{ code: 'malformed', details: { path } }` error the logical validator answers. Nothing is
 * trusted: not types, not lengths, not even that reading a property cannot throw (proxies).
 */
import type { WireError } from '../../model/errors.js'
import type { ValidationResult } from '../validate.js'

/** Thrown inside the wire decoders only; `decodeWith` catches it. */
export class WireInvalid {
  constructor(readonly error: WireError) {}
}

export function wireFail(path: string, message: string): never {
  throw new WireInvalid({ code: 'malformed', message: `${path}: ${message}`, details: { path } })
}

/** Runs a decoder: its value, or the `malformed` error it raised; never throws. */
export function decodeWith<T>(body: () => T): ValidationResult<T> {
  try {
    return { ok: true, value: body() }
  } catch (caught) {
    if (caught instanceof WireInvalid) return { ok: false, error: caught.error }
    return { ok: false, error: { code: 'malformed', message: 'unreadable compact message', details: { path: '' } } }
  }
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

/** A positional array read front to back. */
export class Tuple {
  private at = 0

  constructor(
    private readonly items: readonly unknown[],
    readonly path: string,
  ) {}

  static of(value: unknown, path: string, minLength = 0): Tuple {
    if (!Array.isArray(value)) wireFail(path, 'expected an array')
    if (value.length < minLength) wireFail(path, `expected at least ${minLength} elements`)
    return new Tuple(value, path)
  }

  /** Where the next element sits, for error paths. */
  get where(): string {
    return `${this.path}[${this.at}]`
  }

  next(): unknown {
    if (this.at >= this.items.length) wireFail(this.where, 'missing element')
    return this.items[this.at++]
  }

  int(): number {
    const where = this.where
    const value = this.next()
    if (!Number.isSafeInteger(value)) wireFail(where, 'expected an integer')
    return value as number
  }

  string(): string {
    const where = this.where
    const value = this.next()
    if (typeof value !== 'string') wireFail(where, 'expected a string')
    return value
  }

  record(): Record<string, unknown> {
    const where = this.where
    const value = this.next()
    if (!isPlainRecord(value)) wireFail(where, 'expected an object')
    return value
  }

  array(): unknown[] {
    const where = this.where
    const value = this.next()
    if (!Array.isArray(value)) wireFail(where, 'expected an array')
    return value
  }

  /** Every element was read: trailing elements are refused, as unknown keys are. */
  end(): void {
    if (this.at !== this.items.length) wireFail(this.where, 'unexpected trailing element')
  }
}

/** Own keys whose value is defined, as JSON would send them. */
export function definedKeys(obj: Record<string, unknown> | undefined): string[] {
  if (obj === undefined) return []
  return Object.keys(obj).filter((k) => obj[k] !== undefined)
}
