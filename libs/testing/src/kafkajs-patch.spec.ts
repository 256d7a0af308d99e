import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// kafkajs issue 1751: patches/kafkajs+2.2.4.patch (applied by the postinstall patch-package) clamps
// a negative setTimeout delay that makes Node 24 print TimeoutNegativeWarning.
const requestQueuePath = createRequire(__filename).resolve('kafkajs/src/network/requestQueue/index.js');

/**
 * Runs `body` in a fresh Node process and returns the names of the process warnings it emitted.
 * A fresh process because Node emits TimeoutNegativeWarning only once per process.
 */
function warningsOf(body: string): string[] {
  const script = `
    const names = [];
    process.on('warning', (warning) => names.push(warning.name));
    ${body}
    // emitWarning delivers on a later tick; 20 ms also lets any scheduled timer run.
    setTimeout(() => console.log(JSON.stringify(names)), 20);
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

describe('kafkajs TimeoutNegativeWarning patch', () => {
  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(requestQueuePath, 'utf8')).toContain('Math.max(0, scheduleAt)');
  });

  it('detects the warning when a timer gets a negative delay (control)', () => {
    expect(warningsOf('setTimeout(() => {}, -5);')).toContain('TimeoutNegativeWarning');
  });

  it('schedules the pending-request check without a warning when the throttle lies in the past', () => {
    const warnings = warningsOf(`
      const RequestQueue = require(${JSON.stringify(requestQueuePath)});
      const queue = new RequestQueue({
        maxInFlightRequests: 1,
        requestTimeout: 1000,
        enforceRequestTimeout: true,
        clientId: 'kafkajs-patch-spec',
        broker: '127.0.0.1:0',
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      queue.throttledUntil = Date.now() - 1000; // the computed delay is about -1000 ms
      let checks = 0;
      queue.checkPendingRequests = () => checks++; // the real one reschedules itself forever
      queue.scheduleCheckPendingRequests();
      setTimeout(() => { if (checks !== 1) throw new Error('check ran ' + checks + ' times'); }, 15);
    `);
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});
