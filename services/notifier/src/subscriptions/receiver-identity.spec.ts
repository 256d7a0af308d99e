import { describe, expect, it } from 'vitest';
import { receiverIdentity } from './receiver-identity';

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
    expect(new Set(written.map(receiverIdentity))).toEqual(new Set(['http://127.0.0.1:47101/ops']));
    expect(receiverIdentity('https://Hooks.Example.com:443/x?team=%7Eops')).toBe(receiverIdentity('https://hooks.example.com/x?team=~ops'));
    expect(receiverIdentity('http://grafana:3000')).toBe(receiverIdentity('http://grafana:3000/'));
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
    expect(new Set(distinct.map(receiverIdentity)).size).toBe(distinct.length);
    // An escaped reserved character stays escaped, in one case.
    expect(receiverIdentity('http://127.0.0.1:47101/a%2fb')).toBe('http://127.0.0.1:47101/a%2Fb');
  });
});
