// @slipway/core/environments/promotion: promotion by merging pull requests — the contract in the
// environment repository's slipway.yaml, the gates as commit statuses, and the operations over GitHub.

export {
  type ConfigChangeResult,
  type HoldRequest,
  hold,
  type ReleaseRequest,
  type RollbackRequest,
  release,
  rollback,
} from './config-change.js';
export {
  downstreamOf,
  type Hold,
  holdOn,
  type PromotionContract,
  PromotionError,
  type PromotionPolicy,
  parsePromotionContract,
  type Upstream,
  verifyContexts,
} from './contract.js';
export { formatDuration, formatTime, parseDuration } from './duration.js';
export {
  type ActiveFreeze,
  activeFreeze,
  checkFreezeWindow,
  describeFreeze,
  type FreezeWindow,
} from './freeze.js';
export {
  allGreen,
  evaluateGates,
  type GateInput,
  type GateName,
  type GateState,
  type GateStatus,
  gateContexts,
  type ObservedStatus,
  recordedVerification,
  type UpstreamState,
  verification,
} from './gates.js';
export { type HistoryEntry, type HistoryRequest, type HistoryResult, history } from './history.js';
export { addHold, removeHold } from './holds-edit.js';
export {
  type GateReport,
  type PromoteRequest,
  type PromoteResult,
  type PromotionOutcome,
  type PromotionStep,
  promote,
} from './promote.js';
export { type OpenPull, type RepositorySnapshot, readFiles, readSnapshot } from './snapshot.js';
export { type ModelStatus, type StatusRequest, type StatusResult, status } from './status.js';
export { type TraceRequest, type TraceResult, trace } from './trace.js';
