import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkClaims, scenarios, simulate } from '../../lib/simulator/index.js';
import type { ScenarioName, SimulationReport } from '../../lib/simulator/index.js';

/**
 * One test per claim a shipped scenario carries — the claims docs/simulator.md makes, as
 * `npm run simulate` prints them — checked on seed 1. Each test runs only the candidates its claim
 * reads that no earlier test of the scenario ran.
 *
 * @param only when given, just the claims that read no other candidates (a scenario's claims can so be
 *   spread over several test files, which run side by side)
 */
export function testClaims(name: ScenarioName, only?: readonly string[]): void {
  const scenario = scenarios[name];
  const claims = (scenario.claims ?? []).filter((claim) => only === undefined || claim.candidates.every((candidate) => only.includes(candidate)));
  describe(`${name}: ${scenario.description ?? ''}`, () => {
    const reports = new Map<string, SimulationReport>();
    for (const claim of claims) {
      test(claim.says, async () => {
        for (const candidate of claim.candidates) {
          if (reports.has(candidate)) continue;
          const settings = scenario.candidates?.[candidate];
          assert.ok(settings, `the scenario has the candidate ${candidate}`);
          reports.set(candidate, await simulate(scenario, settings, candidate));
        }
        const comparison = { scenario: name, seed: scenario.seed, reports: claim.candidates.map((candidate) => reports.get(candidate) as SimulationReport) };
        const [checked] = checkClaims(comparison, [claim]);
        assert.ok(checked?.holds, `measured ${checked?.measured}`);
      });
    }
  });
}
