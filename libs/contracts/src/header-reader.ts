import type { z } from 'zod';
import type { WireMessage } from './kafka-codec';
import { fastPathOf, isOmittable, safeParseFast, UNSURE, type FastPath } from './schema-fast-path';

type Headers = WireMessage['headers'];
type HeaderText = Buffer | string | undefined;

/** The headers as text, as the schemas read them (kafkajs hands over Buffers, or nothing for a message without headers; a repeated header's first value counts). */
export function headerTexts(headers: Headers | undefined): Record<string, string | undefined> {
  const texts: Record<string, string | undefined> = {};
  for (const name in headers) texts[name] = textOf(headers[name]);
  return texts;
}

/** One header as text. */
export const headerText = (headers: Headers | undefined, name: string): string | undefined => textOf(headers?.[name]);

/** A header's value: kafkajs gives a repeated header as a list, whose first value counts. */
// A header sent with a null value (Kafka allows it; kafkajs hands over null) reads as absent.
export const firstHeaderValue = (given: Headers[string] | null): HeaderText => (Array.isArray(given) ? given[0] : given) ?? undefined;
const textOf = (given: Headers[string]): string | undefined => {
  const value = firstHeaderValue(given);
  return Buffer.isBuffer(value) ? value.toString('utf8') : value;
};

// A JS loop: for the few dozen bytes of a header, cheaper than a call into Buffer.equals.
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

/** A repeated header as it was last accepted: its bytes (null when it was absent) and their text. */
interface Accepted {
  bytes: Uint8Array | null;
  text: string | undefined;
}

/** The binary-mode headers one producer sends alike on every message of a type: what HeaderReader reads once per run. */
export const PRODUCER_HEADERS = ['ce_specversion', 'ce_type', 'ce_source', 'ce_dataschema', 'content-type'] as const;

export type HeaderReading<T> = { success: true; data: Partial<T> & Record<string, string | undefined> } | { success: false; error: z.ZodError<T>; texts: Record<string, string | undefined> };

/**
 * Reads binary-mode headers against a loose header schema (one without object-level checks, so each
 * field is valid on its own). A producer repeats most headers on every message (spec version, type,
 * source, schema, content type): a header whose bytes are those last accepted keeps that text, and
 * its check, instead of being decoded and checked again. The other fields are checked one by one.
 * Anything the shortcut cannot vouch for goes through the whole schema, so refusals and their
 * reasons are the schema's. The result holds the schema's fields (headers it does not name are not
 * read); decoding is synchronous, so one reader serves every consumer of a process.
 */
export class HeaderReader<T extends Record<string, unknown>> {
  private readonly schema: z.ZodObject & z.ZodType<T>;
  private readonly fields: { name: string; check: FastPath<unknown> | null; omittable: boolean; repeated: Accepted | null }[];
  // Nothing accepted yet: the first message takes the whole schema.
  private primed = false;

  constructor(schema: z.ZodObject & z.ZodType<T>, repeated: readonly (keyof T & string)[]) {
    this.schema = schema;
    if ((schema._zod.def.checks ?? []).length > 0) throw new Error('HeaderReader checks fields one by one: the header schema must have no object-level checks');
    this.fields = Object.entries(schema.shape).map(([name, field]) => ({
      name,
      check: fastPathOf(field as z.ZodType),
      omittable: isOmittable(field as z.ZodType),
      repeated: repeated.includes(name as keyof T & string) ? { bytes: null, text: undefined } : null,
    }));
  }

  read(headers: Headers): HeaderReading<T> {
    const data = this.primed ? this.readRepeated(headers) : null;
    if (data) return { success: true, data };
    const texts = headerTexts(headers);
    const parsed = safeParseFast(this.schema, texts);
    if (!parsed.success) return { success: false, error: parsed.error, texts };
    this.accept(headers, texts);
    return { success: true, data: parsed.data as Partial<T> & Record<string, string | undefined> };
  }

  /** The fields, when every repeated one has the bytes last accepted and every other passes its own check; null otherwise. */
  private readRepeated(headers: Headers): (Partial<T> & Record<string, string | undefined>) | null {
    const data: Record<string, string | undefined> = {};
    for (const { name, check, omittable, repeated } of this.fields) {
      const given = firstHeaderValue(headers[name]);
      if (repeated) {
        const { bytes, text } = repeated;
        const same = given === undefined ? bytes === null : typeof given === 'string' ? bytes !== null && given === text : bytes !== null && sameBytes(given, bytes);
        if (!same) return null;
        if (text !== undefined) data[name] = text;
        continue;
      }
      if (given === undefined) {
        if (!omittable) return null;
        continue;
      }
      const text = Buffer.isBuffer(given) ? given.toString('utf8') : given;
      if (check === null) return null;
      const checked = check(text);
      if (checked === UNSURE) return null;
      data[name] = checked as string;
    }
    return data as Partial<T> & Record<string, string | undefined>;
  }

  private accept(headers: Headers, texts: Record<string, string | undefined>): void {
    for (const { name, repeated } of this.fields) {
      if (!repeated) continue;
      const given = firstHeaderValue(headers[name]);
      // A copy: the message's bytes are a slice of a whole fetch, which the reader must not keep alive.
      repeated.bytes = given === undefined ? null : Uint8Array.from(typeof given === 'string' ? Buffer.from(given) : given);
      repeated.text = texts[name];
    }
    this.primed = true;
  }
}
