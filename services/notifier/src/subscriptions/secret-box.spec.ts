import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('opens what it sealed, and the sealed text does not contain the secret', () => {
    const sealed = box.seal('whsec_c2VjcmV0', 'a');
    expect(sealed).not.toContain('c2VjcmV0');
    expect(box.open(sealed, 'a')).toBe('whsec_c2VjcmV0');
  });

  it('refuses a ciphertext moved to another subscription or sealed under another key', () => {
    const sealed = box.seal('token', 'a');
    expect(() => box.open(sealed, 'b')).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed, 'a')).toThrow();
  });

  it('says which subscription cannot be opened under the key it runs with, and what to do', () => {
    const sealed = new SecretBox(undefined).seal('whsec_c2VjcmV0', '0196f0c8-0000-7000-8000-000000000001');
    expect(() => box.open(sealed, '0196f0c8-0000-7000-8000-000000000001')).toThrow(
      'the secret of subscription 0196f0c8-0000-7000-8000-000000000001 cannot be opened with this NOTIFIER_SECRET_KEY: it was sealed under another key (the key was changed, or set or unset, since). Restore that key, or give the secret again with PATCH /v1/subscriptions/0196f0c8-0000-7000-8000-000000000001 (a Slack subscription: its target)',
    );
  });

  it('seals again under its key a secret sealed under the development key, and nothing else', () => {
    const id = '0196f0c8-0000-7000-8000-000000000001';
    const resealed = box.resealedFromDevelopmentKey(new SecretBox(undefined).seal('whsec_c2VjcmV0', id), id);
    expect(box.open(resealed!, id)).toBe('whsec_c2VjcmV0');
    expect(() => new SecretBox(undefined).open(resealed!, id)).toThrow();
    expect(box.resealedFromDevelopmentKey(box.seal('whsec_c2VjcmV0', id), id)).toBeNull();
    expect(box.resealedFromDevelopmentKey(new SecretBox(randomBytes(32)).seal('whsec_c2VjcmV0', id), id)).toBeNull();
    expect(new SecretBox(undefined).resealedFromDevelopmentKey(new SecretBox(undefined).seal('whsec_c2VjcmV0', id), id)).toBeNull();
  });

  it('says when it runs on the development key', () => {
    expect(new SecretBox(undefined).usesDevelopmentKey).toBe(true);
    expect(box.usesDevelopmentKey).toBe(false);
  });
});
