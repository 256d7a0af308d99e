import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import type { SharedServiceConfig } from '../config/service-config';
import { SystemClock } from '../clock/clock';
import type { KeyCopyCache } from './key-copy-cache';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import type { DataSource } from 'typeorm';

// Refusals made from the header alone: nothing is looked up, so no database or key copy is needed.
const authenticator = new ApiKeyAuthenticator({} as DataSource, { auth: { bootstrap: null } } as unknown as SharedServiceConfig, new SystemClock(), {} as KeyCopyCache);
const sent = (authorization?: string) => ({ header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined) }) as unknown as Request;
const KEY = `hf_0123456789abcdef_${'S'.repeat(43)}`;

describe('a request whose Authorization header carries no Bearer key', () => {
  it('without the header, asks for a key', async () => {
    await expect(authenticator.authenticate(sent())).rejects.toMatchObject({ code: 'missing-key', status: 401, message: expect.stringMatching(/^This endpoint needs an API key: send "Authorization: Bearer <key>"/) });
  });

  it('with the key alone or another scheme, says the header was there and how to write it, never repeating it', async () => {
    for (const header of [KEY, `Basic ${Buffer.from(`ops:${KEY}`).toString('base64')}`, `Token ${KEY}`, `Bearer ${KEY} extra`]) {
      const refused = authenticator.authenticate(sent(header));
      await expect(refused, header).rejects.toMatchObject({
        code: 'missing-key',
        status: 401,
        message: 'The Authorization header was sent, but not as "Bearer <key>" (a key alone, without "Bearer " before it, or another scheme): send "Authorization: Bearer <key>". An admin creates keys with POST /v1/keys on the maintenance-planner.',
      });
    }
  });

  it('with "Bearer" and no key after it, says the variable meant to hold the key is likely empty', async () => {
    for (const header of ['Bearer', 'bearer ']) {
      await expect(authenticator.authenticate(sent(header)), header).rejects.toMatchObject({
        code: 'missing-key',
        message: 'The Authorization header says "Bearer" with no key after it: the variable meant to hold the key (such as $HOLDFAST_KEY) is likely empty. Send "Authorization: Bearer <key>".',
      });
    }
  });
});
