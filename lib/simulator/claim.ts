import { InvalidOptionError } from '../errors/invalid-option-error.js';
import type { SimulationReport } from './report.js';
import type { Comparison } from './simulation.js';

/**
 * Something a scenario is meant to show, stated as the docs state it and measured on a comparison of
 * the scenario's candidates. The shipped scenarios carry theirs: `npm run simulate` prints each with the
 * figure behind it, and the tests hold every one — so no claim in the docs goes unchecked.
 */
export interface Claim {
  /** The statement: "p2c-ewma's p99 beats round-robin's at least threefold". */
  readonly says: string;
  /** The candidates whose reports it reads: it can be checked on any comparison that ran them. */
  readonly candidates: readonly string[];
  check(comparison: Comparison): ClaimCheck;
}

export interface ClaimCheck {
  readonly holds: boolean;
  /** The figure behind the verdict, for people: "6.3× (167 ms against 26.5 ms)". */
  readonly measured: string;
}

export interface CheckedClaim extends ClaimCheck {
  readonly says: string;
}

/** Checks, in order, every claim whose candidates `comparison` ran; the others are left out. */
export function checkClaims(comparison: Comparison, claims: readonly Claim[]): CheckedClaim[] {
  const ran = new Set(comparison.reports.map((report) => report.candidate));
  return claims.filter((claim) => claim.candidates.every((name) => ran.has(name))).map((claim) => ({ says: claim.says, ...claim.check(comparison) }));
}

/** The report of one candidate; a claim that names a candidate the comparison did not run is a mistake. */
export function reportOf(comparison: Comparison, candidate: string): SimulationReport {
  const report = comparison.reports.find((each) => each.candidate === candidate);
  if (report === undefined) {
    throw new InvalidOptionError('claims', `name the candidate \`${candidate}\`, which this comparison did not run (${comparison.reports.map((each) => each.candidate).join(', ')})`);
  }
  return report;
}
