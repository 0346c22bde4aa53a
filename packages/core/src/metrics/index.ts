// @slipway/core/metrics: predictions in, sufficient statistics per test set and slice, exact merge of shards,
// metrics with confidence intervals, gates against thresholds and a baseline report, the eval report out.
export { type ClassificationReport, classificationMetrics, type IntervalSettings } from './classification.js';
export { DataProblemError, MetricsInputError } from './errors.js';
export { addExact, mergeExact, roundSum } from './exact-sum.js';
export { defaultBaselineMetrics } from './gates.js';
export { type IngestOptions, ingestPredictions } from './ingest.js';
export { checkPartial, mergePartials, readPartialResult } from './merge.js';
export { severityOf } from './problems.js';
export { regressionMetrics } from './regression.js';
export { type BuildReportInput, buildEvalReport, readEvalReport, validateEvalReport } from './report.js';
export { ingestMetricsFile, type MetricsFileOptions, parseMetricsJson } from './reported.js';
export { DEFAULT_SAMPLE_LIMIT } from './sample.js';
export {
  mcnemarMidP,
  twoProportionZTest,
  twoSidedNormalP,
  welchZTest,
  wilsonInterval,
  zFor,
} from './significance.js';
export type * from './types.js';
