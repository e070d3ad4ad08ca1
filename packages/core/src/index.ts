// Public surface of @accord/core. Internals live behind '@accord/core/internal'.
export { HlcClock, encodeHlc, decodeHlc, isHlc, maxHlc, hlcWall } from './clock/hlc.js'
export type { HlcParts, HlcClockOptions, ReceiveResult } from './clock/hlc.js'

export type { JsonValue, RecordValue } from './model/json.js'
export { canonicalJson, jsonEqual } from './model/json.js'
export type { Change, ChangeOp, Commit, ConflictRecord, FieldValues, PushAck, RejectedTx } from './model/change.js'
export { AccordError, toWireError, isWireError } from './model/errors.js'
export type { AccordErrorCode, WireError } from './model/errors.js'

export { defineSchema } from './schema/define-schema.js'
export type {
  CollectionDef,
  CollectionName,
  RecordFor,
  RecordOf,
  ResolvedCollection,
  Schema,
  SchemaInput,
} from './schema/define-schema.js'
export type { StandardSchemaV1 } from './schema/standard-schema.js'

export { fieldMerge, lww } from './policies/field-merge.js'
export { lastWriterWins } from './policies/last-writer-wins.js'
export { rejectConflicts } from './policies/reject-conflicts.js'
export { custom } from './policies/custom.js'
export { manual } from './policies/manual.js'
export { counter } from './policies/counter.js'
export { set } from './policies/set.js'
export { reject } from './policies/types.js'
export type {
  CollectionPolicy,
  CounterField,
  CustomMergeFn,
  CustomMergeInput,
  CustomMergeMeta,
  CustomMergeResult,
  CustomPolicy,
  FieldMergePolicy,
  FieldPolicy,
  LastWriterWinsPolicy,
  LwwField,
  ManualPolicy,
  PolicyOptions,
  Reject,
  RejectConflictsPolicy,
  SetField,
} from './policies/types.js'

export { decideBatch } from './decider/decide-batch.js'
export type { BatchDecision, ChangeEffect, DecideBatchInput, DecideBatchResult, PendingValidation } from './decider/decide-batch.js'
export type { DeciderView, FieldMeta, HubRecordState, WriterState } from './decider/hub-record.js'

export type { DecisionReadRequest, DecisionSnapshot, HubStore, PullQuery, SpaceInfo } from './store/hub-store.js'

export { PROTOCOL_VERSION, DEFAULT_LIMITS } from './protocol/messages.js'
export type {
  ClientToHubEvents,
  CommitsMessage,
  ConnectErrorData,
  Handshake,
  HandshakeReply,
  HeadMessage,
  HeadResponse,
  HubLimits,
  HubToClientEvents,
  PullPage,
  PullRequest,
  PullResponse,
  PulledRecord,
  PushRequest,
  PushResponse,
} from './protocol/messages.js'

export { retentionExpired } from './protocol/retention.js'
export { validateChange, validateHandshake, validatePullRequest, validatePushRequest } from './protocol/validate.js'
export type { ValidationResult } from './protocol/validate.js'
