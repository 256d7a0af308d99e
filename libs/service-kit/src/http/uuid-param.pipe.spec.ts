import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import type { SharedServiceConfig } from '../config/service-config';
import { DomainError } from '../errors/domain.error';
import { UuidParamPipe } from './uuid-param.pipe';

describe('UuidParamPipe', () => {
  const pipe = new UuidParamPipe();
  const id = { type: 'param', data: 'id' } as const;

  it('passes a UUID of any version through as it is', () => {
    for (const uuid of ['0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b', '6F9619FF-8B86-D011-B42D-00C04FC964FF', '00000000-0000-0000-0000-000000000000']) expect(pipe.transform(uuid, id)).toBe(uuid);
  });

  it('refuses anything else with a 400 naming the parameter and what was sent', () => {
    for (const bad of ['not-a-uuid', '0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6', '0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b0', ' 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b', '']) {
      let refused: unknown;
      try {
        pipe.transform(bad, id);
      } catch (error) {
        refused = error;
      }
      expect(refused, JSON.stringify(bad)).toBeInstanceOf(DomainError);
      expect(refused).toMatchObject({ status: 400, code: 'invalid-path', extensions: { errors: [{ path: 'id', message: 'must be a UUID' }] } });
      expect((refused as DomainError).message).toBe(`The id in the path must be a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b; "${bad}" is not one.`);
    }
  });

  it('never repeats the secret of an API key sent as the id, and says where a key goes', () => {
    const { key, keyId } = generateApiKey();
    for (const sent of [key, `${key}/`, `x${key}`]) {
      let refused: unknown;
      try {
        pipe.transform(sent, id);
      } catch (error) {
        refused = error;
      }
      const { message } = refused as DomainError;
      expect(message, sent).not.toContain(key.slice(`hf_${keyId}_`.length));
      expect(message).toContain(`hf_${keyId}_[redacted]`);
      expect(message).toContain('an API key, which goes in the Authorization header');
      expect(refused).toMatchObject({ status: 400, code: 'invalid-path', extensions: { errors: [{ path: 'id', message: 'must be a UUID' }] } });
    }
  });

  it('never repeats the bootstrap key either, which HOLDFAST_BOOTSTRAP_KEY may set to any secret, hf_bootstrap_ or not', () => {
    const bootstrap = 'Qx+Lr2mT8vB/wZ3nYp7sHd4fJc6gK1aE0uR5iO==';
    const configured = new UuidParamPipe({ auth: { bootstrap: { keyHash: hashApiKey(bootstrap), keyLength: bootstrap.length, team: 'platform' } } } as SharedServiceConfig);
    let refused: unknown;
    try {
      configured.transform(bootstrap, id);
    } catch (error) {
      refused = error;
    }
    expect((refused as DomainError).message).toBe(
      'The id in the path must be a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b; "[redacted]" is not one: that is an API key, which goes in the Authorization header ("Authorization: Bearer <key>"), never in a URL, where logs and proxies may keep it.',
    );
    // A segment as long as the key, but not it, is said as it was sent.
    expect(() => configured.transform('x'.repeat(bootstrap.length), id)).toThrow(`"${'x'.repeat(bootstrap.length)}" is not one.`);
  });
});
