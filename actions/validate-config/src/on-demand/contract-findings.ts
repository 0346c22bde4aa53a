// An environment repository's promotion contract, as findings: a bundle of its own (dist/on-demand/), loaded
// only when a `kind: Environments` file is validated (see scripts/bundle.ts).
export { contractFindings } from '@slipway/core/environments/contract-findings';
