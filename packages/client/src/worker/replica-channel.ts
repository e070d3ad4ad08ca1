/**
 * The messages the runtimes of one replica exchange over the BroadcastChannel `accord:<name>`:
 * one per tab in dedicated-worker mode, one per SharedWorker script after a deploy. Every message
 * names its sender; a runtime ignores its own.
 */
import type { ReplicaStatus, Result } from '../shared/worker-api.js'
import type { ChannelLike } from './env.js'

/** Every message on the channel. */
export type ChannelMessage =
  /** A new runtime asks the leader for its status and pause state. */
  | { type: 'hello'; from: string }
  /**
   * The leader's status: on every change, every heartbeat, and in answer to `hello`. `term` is new
   * for every acquisition of the lock, so followers notice a handover even to the same runtime.
   */
  | { type: 'leader'; from: string; term: string; status: ReplicaStatus | null; paused: boolean }
  /** A non-leader committed a local write: the leader pushes it. */
  | { type: 'write'; from: string }
  /** Pause or resume the replica in every runtime; the leader acknowledges once it stopped. */
  | { type: 'pause'; from: string; id: string; paused: boolean }
  | { type: 'pause-ack'; from: string; id: string }
  /** A non-leader's flush, run by the leader. */
  | { type: 'flush'; from: string; id: string }
  | { type: 'flushed'; from: string; id: string; result: Result<void> }

/** A typed wrapper over the channel that drops malformed and own messages. */
export class ReplicaChannel {
  constructor(
    private readonly channel: ChannelLike,
    readonly self: string,
    onMessage: (message: ChannelMessage) => void,
  ) {
    channel.addEventListener('message', (event) => {
      const message = event.data as ChannelMessage | null
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return
      if (message.from === self) return
      onMessage(message)
    })
  }

  post(message: DistributiveOmit<ChannelMessage, 'from'>): void {
    try {
      this.channel.postMessage({ ...message, from: this.self })
    } catch {
      // A closed channel (the runtime is shutting down): nobody left to tell.
    }
  }

  close(): void {
    this.channel.close()
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never
