import { describe, expect, it } from 'vitest';
import { authorizationOf, receiverSecretProblem } from './receiver-authorization';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('a Grafana or Alertmanager secret as an Authorization header', () => {
  it('sends a token as Bearer and a value with its scheme as it is', () => {
    expect(authorizationOf('glsa_AbC123_def456')).toBe('Bearer glsa_AbC123_def456');
    expect(authorizationOf(basic('holdfast:s3cret'))).toBe('Basic aG9sZGZhc3Q6czNjcmV0');
    expect(authorizationOf('Bearer eyJhbGciOi.eyJzdWIi.sig-_')).toBe('Bearer eyJhbGciOi.eyJzdWIi.sig-_');
    expect(authorizationOf('basic aG9sZGZhc3Q6czNjcmV0')).toBe('basic aG9sZGZhc3Q6czNjcmV0');
  });

  it('takes tokens and both schemes, and refuses what would break the header or is not user:password', () => {
    for (const good of ['glsa_AbC123_def456', 'a.b-c~d+e/f==', basic('holdfast:s3cret'), basic('user:'), 'Bearer abc.def']) expect(receiverSecretProblem(good)).toBeUndefined();
    for (const bad of ['holdfast:s3cret', 'two words', 'token\r\nX-Injected: 1', 'Basic  aGk6dA==', 'Digest abc', 'Bearer a b']) {
      expect(receiverSecretProblem(bad)).toBe('must be a token (sent as a Bearer token), or "Basic " followed by the base64 of user:password for a receiver behind basic auth');
    }
    expect(receiverSecretProblem(basic('no-colon'))).toContain('the base64 after "Basic " must decode to user:password');
  });
});
