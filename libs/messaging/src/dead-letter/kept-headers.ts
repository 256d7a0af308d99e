import { isUtf8 } from 'node:buffer';
import type { IHeaders } from 'kafkajs';
import type { MessageHeaders } from '../kafka/event-publisher';

/** A header value as a dead letter keeps it in jsonb: text when its bytes are UTF-8 without NUL (so it reads as it was sent), base64 otherwise. */
export type KeptHeaderValue = string | { base64: string };

/** A dead-lettered message's headers, every value kept byte for byte, a repeated name as a list. */
export type KeptHeaders = Record<string, KeptHeaderValue | KeptHeaderValue[]>;

/** Bytes of a message as a dead letter keeps or shows them (a header value, a key, a body): text when they are UTF-8 without NUL, base64 otherwise. */
// PostgreSQL's text and jsonb hold no NUL character, which UTF-8 allows.
export const keptValue = (value: string | Buffer): KeptHeaderValue => {
  const bytes = typeof value === 'string' ? Buffer.from(value) : value;
  return isUtf8(bytes) && !bytes.includes(0) ? bytes.toString() : { base64: bytes.toString('base64') };
};

type HeaderValue = string | Buffer | (string | Buffer)[] | undefined;

/** A header's values without the null ones; undefined when none is left. */
const withoutNulls = (value: HeaderValue | null): HeaderValue => {
  if (!Array.isArray(value)) return value ?? undefined;
  const present = value.filter((one) => one !== null);
  return present.length > 0 ? present : undefined;
};

/** Text from a message as PostgreSQL can store it: a NUL (valid UTF-8, refused by text columns) shown as U+FFFD. */
export const storableText = (text: string): string => (text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text);

const sentValue = (value: KeptHeaderValue): string | Buffer => (typeof value === 'string' ? value : Buffer.from(value.base64, 'base64'));

/** Whether jsonb can hold the message's header names as keys: it refuses a NUL, which a Kafka header name may carry. */
export const headerNamesKeepable = (headers: IHeaders | undefined): boolean => {
  for (const name in headers) if (name.includes('\0')) return false;
  return true;
};

/** The headers of a consumed message as a dead letter keeps them: a replay sends the very bytes that came in, binary values (a tracing context, an Avro schema id) included. */
export function keptHeaders(headers: IHeaders | undefined): KeptHeaders {
  const kept: KeptHeaders = {};
  for (const name in headers) {
    // A null value (Kafka allows one; kafkajs hands it over as null) has no bytes to keep: left out, as an absent one.
    const value = withoutNulls(headers[name]);
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.map(keptValue) : keptValue(value);
  }
  return kept;
}

/** A consumed message's headers as they go out again at once (to its dead-letter topic): the same values, the absent ones left out. */
export function presentHeaders(headers: IHeaders | undefined): MessageHeaders {
  const present: MessageHeaders = {};
  for (const name in headers) {
    const value = withoutNulls(headers[name]);
    if (value !== undefined) present[name] = value;
  }
  return present;
}

/** Kept headers as they go out again; rows recorded before values were kept as bytes hold text only, read the same way. */
export function headersToSend(kept: KeptHeaders): MessageHeaders {
  const headers: MessageHeaders = {};
  for (const name in kept) {
    const value = kept[name];
    headers[name] = Array.isArray(value) ? value.map(sentValue) : sentValue(value);
  }
  return headers;
}
