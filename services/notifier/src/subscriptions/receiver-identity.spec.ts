import { describe, expect, it } from 'vitest';
import { receiverIdentity } from './receiver-identity';

const webhook = (target: string) => receiverIdentity(target, 'webhook');

describe('receiverIdentity', () => {
  it('writes every spelling of one receiver the same way: scheme and host case, default and zero-led ports, unreserved escapes, the fragment', () => {
    const written = [
      'http://127.0.0.1:47101/ops',
      'HTTP://127.0.0.1:47101/ops',
      'http://127.0.0.1:047101/ops',
      'http://127.0.0.1:47101/%6Fps',
      'http://127.0.0.1:47101/%6fps',
      'http://127.0.0.1:47101/ops#x',
      'http://127.0.0.1:47101/./ops',
    ];
    expect(new Set(written.map(webhook))).toEqual(new Set(['http://127.0.0.1:47101/ops']));
    expect(webhook('https://Hooks.Example.com:443/x?team=%7Eops')).toBe(webhook('https://hooks.example.com/x?team=~ops'));
    expect(webhook('http://grafana:3000')).toBe(webhook('http://grafana:3000/'));
  });

  it('keeps apart what reaches another receiver or resource: path, query, port, an escaped reserved character', () => {
    const distinct = [
      'http://127.0.0.1:47101/ops',
      'http://127.0.0.1:47101/Ops',
      'http://127.0.0.1:47101/ops/',
      'http://127.0.0.1:47102/ops',
      'https://127.0.0.1:47101/ops',
      'http://127.0.0.1:47101/ops?team=r3',
      'http://127.0.0.1:47101/a%2Fb',
      'http://127.0.0.1:47101/a/b',
    ];
    expect(new Set(distinct.map(webhook)).size).toBe(distinct.length);
    // An escaped reserved character stays escaped, in one case.
    expect(webhook('http://127.0.0.1:47101/a%2fb')).toBe('http://127.0.0.1:47101/a%2Fb');
  });

  it('compares a Grafana or Alertmanager base URL as the URL its channel posts to: trailing slashes, a query and a fragment make no other', () => {
    for (const channel of ['grafana', 'alertmanager'] as const) {
      const written = ['http://127.0.0.1:47812/g', 'http://127.0.0.1:47812/g/', 'http://127.0.0.1:47812/g//', 'http://127.0.0.1:47812/%67/', 'http://127.0.0.1:47812/g?orgId=1', 'http://127.0.0.1:47812/g#x'];
      expect(new Set(written.map((target) => receiverIdentity(target, channel))), channel).toEqual(new Set(['http://127.0.0.1:47812/g']));
      expect(receiverIdentity('http://127.0.0.1:47812', channel)).toBe(receiverIdentity('http://127.0.0.1:47812/', channel));
      expect(receiverIdentity('http://127.0.0.1:47812/g', channel)).not.toBe(receiverIdentity('http://127.0.0.1:47812/h', channel));
    }
    // A webhook's receiver is the whole URL: /g/ is another resource than /g.
    expect(webhook('http://127.0.0.1:47812/g')).not.toBe(webhook('http://127.0.0.1:47812/g/'));
  });
});
