import { apiKeyIdOf, DomainError } from '@holdfast/service-kit';
import { Injectable, type PipeTransform } from '@nestjs/common';

const KEY_ID = /^[0-9a-f]{16}$/;
// What the key list shows as a key's prefix: the id behind hf_.
const KEY_PREFIX = /^hf_([0-9a-f]{16})$/;

/**
 * A key's id in the path: its 16 hex digits, or its prefix (hf_ and the id), as the key list shows
 * both. A whole key pasted there is refused without being repeated, so the answer at least does
 * not carry its secret further; what was sent is not echoed either, for the same reason.
 */
@Injectable()
export class KeyIdParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (KEY_ID.test(value)) return value;
    const prefixed = KEY_PREFIX.exec(value)?.[1];
    if (prefixed) return prefixed;
    const ofWholeKey = apiKeyIdOf(value);
    throw new DomainError(
      'invalid-path',
      400,
      ofWholeKey
        ? `The keyId in the path is a whole API key, secret included: send only its id, ${ofWholeKey} (the 16 hex digits after hf_). A key written into a URL can stay in shell histories and proxies' logs: revoke it if it may have been seen.`
        : 'The keyId in the path must be a key id, 16 lower-case hex digits such as 3f9a1c0e5b7d2a48 (GET /v1/keys and holdfast keys list show them), or its prefix hf_3f9a1c0e5b7d2a48.',
      { errors: [{ path: 'keyId', message: ofWholeKey ? 'is a whole API key: send only its id' : 'must be 16 lower-case hex digits' }] },
    );
  }
}
