import type { ConnectErrorData } from '@accord/core'

/** The error a handshake middleware passes to `next`: the client's `connect_error` carries `data`. */
export class ConnectError extends Error {
  readonly data: ConnectErrorData

  constructor(code: string, message: string) {
    super(message)
    this.name = 'ConnectError'
    this.data = { code, message }
  }
}
