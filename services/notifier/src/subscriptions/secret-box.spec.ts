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

  it('says when it runs on the development key', () => {
    expect(new SecretBox(undefined).usesDevelopmentKey).toBe(true);
    expect(box.usesDevelopmentKey).toBe(false);
  });
});
