import { describe, expect, it } from 'vitest';
import { generateApiKey } from '../auth/api-key';
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
});
