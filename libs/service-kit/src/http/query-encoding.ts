import { DomainError } from '../errors/domain.error';

// A % not followed by two hex digits: no escape of a byte at all.
const BROKEN_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * The 400 for a query string a parameter of which is not percent-encoded as a URL must be (`?team=%ZZ`,
 * or escapes of bytes that are no UTF-8, `%FF`), naming the parameter; undefined for a well-formed one.
 * Express's parser reads such an escape literally, so `%ZZ` reached a filter as the text "%ZZ" and
 * matched nothing, where the caller meant something else.
 */
export function malformedQueryEncoding(url: string): DomainError | undefined {
  const start = url.indexOf('?');
  if (start < 0) return undefined;
  for (const pair of url.slice(start + 1).split('&')) {
    const equals = pair.indexOf('=');
    const rawName = equals < 0 ? pair : pair.slice(0, equals);
    const name = decoded(rawName);
    const bad = name === undefined ? rawName : equals < 0 || decoded(pair.slice(equals + 1)) !== undefined ? undefined : pair.slice(equals + 1);
    if (bad === undefined) continue;
    const shown = name ?? rawName;
    const escape = BROKEN_ESCAPE.exec(bad);
    const why = escape ? `${bad.slice(escape.index, escape.index + 3)} is no escape of a byte` : 'its escapes are not the bytes of UTF-8 text';
    return new DomainError(
      'invalid-query',
      400,
      `The query parameter ${shown} is not percent-encoded as a URL must be: ${why}. Write a literal % as %25, and other characters as the %XX escapes of their UTF-8 bytes (encodeURIComponent does both).`,
      { errors: [{ path: shown, message: `is malformed percent-encoding: ${why}` }] },
    );
  }
  return undefined;
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
