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
