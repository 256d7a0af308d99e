import { isUtf8 } from 'node:buffer';
import { DomainError } from '../errors/domain.error';

/** What `refuseInvalidUtf8` marks its refusal with, for the error handler after the body parser to say it as a 400. */
export const INVALID_UTF8 = 'entity.invalid.utf8';

/**
 * The JSON body parser's `verify` hook. Decoding bytes that are not UTF-8 as UTF-8 turns each bad
 * sequence into U+FFFD, so a title sent in Latin-1 was stored garbled with a 201: refused instead,
 * as JSON (RFC 8259) is UTF-8. A body declared in UTF-16 or UTF-32 is the parser's to decode.
 */
export function refuseInvalidUtf8(_request: unknown, _response: unknown, body: Buffer, charset: string | null): void {
  const declared = (charset ?? 'utf-8').toLowerCase();
  if ((declared === 'utf-8' || declared === 'utf8') && !isUtf8(body)) throw Object.assign(new Error('The request body is not UTF-8'), { type: INVALID_UTF8 });
}

/** The 400 for a body `refuseInvalidUtf8` refused. */
export const invalidUtf8 = (): DomainError =>
  new DomainError('invalid-json', 400, 'The request body is not valid UTF-8: JSON is sent as UTF-8 (RFC 8259). Send the text encoded as UTF-8 (text in Latin-1 or Windows-1252 is the usual cause), or name another Unicode charset in content-type.');
