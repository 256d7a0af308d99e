import { expectEventually } from '@holdfast/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { isOpenCircuit, TargetCircuits, type CircuitState } from './target-circuits';

class TargetDown extends Error {}
class Refused extends Error {}

describe('TargetCircuits', () => {
  const changes: [string, CircuitState][] = [];
  const circuits = new TargetCircuits({ errorPercent: 50, volume: 2, resetMs: 100 }, (error) => error instanceof TargetDown, (target, state) => changes.push([target, state]));
  afterEach(() => circuits.shutdown());

  const fail = (error: Error) => () => Promise.reject(error);

  it('opens on repeated failure of one target only, half-opens to probe, and closes on a good probe', async () => {
    for (let i = 0; i < 3; i += 1) await circuits.run('http://a:80', fail(new TargetDown('503'))).catch(() => undefined);
    expect(circuits.state('http://a:80')).toBe('open');
    expect(circuits.state('http://b:80')).toBe('closed');
    await expect(circuits.run('http://a:80', () => Promise.resolve('sent'))).rejects.toSatisfy(isOpenCircuit);
    expect(await circuits.run('http://b:80', () => Promise.resolve('sent'))).toBe('sent');

    await expectEventually(() => expect(circuits.state('http://a:80')).toBe('half-open'));
    expect(await circuits.run('http://a:80', () => Promise.resolve('probe'))).toBe('probe');
    expect(circuits.state('http://a:80')).toBe('closed');
    expect(changes).toEqual([
      ['http://a:80', 'open'],
      ['http://a:80', 'half-open'],
      ['http://a:80', 'closed'],
    ]);
  });

  it('does not count failures that say nothing about the target', async () => {
    for (let i = 0; i < 5; i += 1) await circuits.run('http://c:80', fail(new Refused('410'))).catch(() => undefined);
    expect(circuits.state('http://c:80')).toBe('closed');
  });
});

describe('TargetCircuits.forget', () => {
  it('drops a target\'s breaker, open or not, and starts it afresh, closed, on its next request', async () => {
    const changes: [string, CircuitState][] = [];
    const circuits = new TargetCircuits({ errorPercent: 50, volume: 1, resetMs: 60_000 }, (error) => error instanceof TargetDown, (target, state) => changes.push([target, state]));
    await circuits.run('http://gone:80', () => Promise.reject(new TargetDown('503'))).catch(() => undefined);
    await circuits.run('http://kept:80', () => Promise.resolve('sent'));
    expect(circuits.state('http://gone:80')).toBe('open');
    expect(circuits.targets().sort()).toEqual(['http://gone:80', 'http://kept:80']);

    circuits.forget('http://gone:80');
    expect(circuits.targets()).toEqual(['http://kept:80']);
    expect(circuits.unclosed()).toEqual([]);
    expect(await circuits.run('http://gone:80', () => Promise.resolve('sent'))).toBe('sent');
    expect(circuits.state('http://gone:80')).toBe('closed');
    circuits.shutdown();
    // The dropped breaker said nothing more (no half-open from its reset timer, no close).
    expect(changes).toEqual([['http://gone:80', 'open']]);
  });
});
