import { writeFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export interface TestTotals {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Counts every test of the run. A test that never ran because its file or suite failed (a
 * beforeAll that threw, say) is a failure, not a skip: only tests declared skip or todo are skipped.
 * A file that failed with no test failed (it could not load, or an afterAll threw) counts as one.
 * Under `npm test` the totals go to the file HOLDFAST_TOTALS_FILE names, for the runner's last
 * line; run alone, vitest ends with the line itself.
 */
export default class TotalsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const totals = countTests(testModules);
    totals.failed += unhandledErrors.length;
    const file = process.env.HOLDFAST_TOTALS_FILE;
    if (file) {
      writeFileSync(file, JSON.stringify(totals));
      return;
    }
    // Written at exit so it stays the last line, after the default reporter's summary.
    process.once('exit', () => process.stdout.write(`\n${totals.passed} passed, ${totals.failed} failed\n`));
  }
}

export function countTests(testModules: ReadonlyArray<TestModule>): TestTotals {
  const totals: TestTotals = { passed: 0, failed: 0, skipped: 0 };
  for (const module of testModules) {
    const tests = [...module.children.allTests()];
    const moduleFailed = module.state() === 'failed';
    const outcomes = tests.map((test) => outcome(test, moduleFailed));
    for (const counted of outcomes) totals[counted]++;
    // A file that failed to load has no tests to count, and one that failed after its tests passed
    // (an afterAll that threw) none failed: a failure all the same.
    if (moduleFailed && !outcomes.includes('failed')) totals.failed++;
  }
  return totals;
}

function outcome(test: TestCase, moduleFailed: boolean): keyof TestTotals {
  const { state } = test.result();
  if (state === 'passed') return 'passed';
  if (state === 'failed') return 'failed';
  const declaredSkip = test.options.mode === 'skip' || test.options.mode === 'todo';
  return moduleFailed && !declaredSkip ? 'failed' : 'skipped';
}
