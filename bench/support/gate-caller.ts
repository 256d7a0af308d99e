import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * One caller asking the gate back to back while `work` runs, as a CI job would, and the event
 * loop's stalls meanwhile (perf_hooks, in this process: the benches that use it run the planner in
 * process). `askGate` asks once and returns the answer's time; it throws to stop the run.
 */
export async function gateCallerWhile<T>(askGate: () => Promise<number>, work: () => Promise<T>): Promise<{ result: T; gateMs: number[]; loopStallMaxMs: number; loopStallP99Ms: number }> {
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  stalls.enable();
  let done = false;
  const gateMs: number[] = [];
  const caller = (async () => {
    while (!done) gateMs.push(await askGate());
  })();
  try {
    // Both awaited together: a failure of either is reported, not left unhandled.
    const [result] = await Promise.all([work().finally(() => (done = true)), caller]);
    return { result, gateMs: gateMs.sort((a, b) => a - b), loopStallMaxMs: Math.round(stalls.max / 1e6), loopStallP99Ms: Math.round(stalls.percentile(99) / 1e6) };
  } finally {
    stalls.disable();
  }
}
