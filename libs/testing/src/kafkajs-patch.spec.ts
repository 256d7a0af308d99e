import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// patches/kafkajs+2.2.4.patch (applied by the postinstall patch-package): upstream re-arms its
// pending-request check on every connection whether or not anything waits, with a negative delay
// that Node runs as 1 ms and Node 24 warns about (kafkajs issues 1556 and 1751): a 1 ms timer loop
// for the life of every connection.
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
    // emitWarning delivers on a later tick; 80 ms also lets any scheduled timer run.
    setTimeout(() => console.log(JSON.stringify(names)), 80);
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

/** A request queue whose throttle lies in the past, counting the checks it runs instead of running them. */
const queueWithPastThrottle = (pending: number) => `
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
  queue.pending = Array.from({ length: ${pending} }, () => ({}));
  let checks = 0;
  queue.checkPendingRequests = () => checks++; // the real one schedules the next
  queue.scheduleCheckPendingRequests();
`;

describe('kafkajs pending-request check patch', () => {
  it('is applied to the installed kafkajs', () => {
    expect(readFileSync(requestQueuePath, 'utf8')).toContain('Holdfast patch (kafkajs#1556');
  });

  it('detects the warning when a timer gets a negative delay (control)', () => {
    expect(warningsOf('setTimeout(() => {}, -5);')).toContain('TimeoutNegativeWarning');
  });

  it('arms no check while nothing is pending and no throttle runs', () => {
    const warnings = warningsOf(`${queueWithPastThrottle(0)}
      setTimeout(() => { if (checks !== 0) throw new Error('check ran ' + checks + ' times with nothing pending'); }, 50);
    `);
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });

  it('checks a pending request once, after the pending-request interval, without a warning', () => {
    const warnings = warningsOf(`${queueWithPastThrottle(1)}
      setTimeout(() => { if (checks !== 1) throw new Error('check ran ' + checks + ' times'); }, 50);
    `);
    expect(warnings).not.toContain('TimeoutNegativeWarning');
  });
});
