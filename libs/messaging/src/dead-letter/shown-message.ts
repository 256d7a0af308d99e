import { bareSourceOf, outsideFormOf } from '@holdfast/contracts';
import { headersToSend, keptValue, type KeptHeaderValue } from './kept-headers';

/**
 * A dead letter's body is listed up to this many bytes: enough for the event a producer got wrong,
 * while a page of 1,000 letters stays near a megabyte whatever their messages' size. The whole
 * body is kept for a replay, and is on `<topic>.dlq`.
 */
export const SHOWN_BODY_BYTES = 1024;

/** The columns that show a dead letter's kept message in a listing; the body is cut in PostgreSQL, so a page never reads whole bodies. */
export const SHOWN_MESSAGE_COLUMNS = `event_id, message_key, message_headers -> 'ce_source' AS source_header, message_headers -> 'content-type' AS content_type_header,
  EXISTS (SELECT FROM jsonb_object_keys(message_headers) AS header WHERE starts_with(header, 'ce_')) AS cloud_events_headers,
  substring(message_value FROM 1 FOR ${SHOWN_BODY_BYTES}) AS body_start, octet_length(message_value) AS body_bytes`;

/** A row's SHOWN_MESSAGE_COLUMNS: null throughout, but for event_id and cloud_events_headers (false), when the letter kept no message. */
export interface ShownMessageRow {
  /** The ce_id header, recorded when the message was dead-lettered. */
  event_id: string | null;
  message_key: Buffer | null;
  source_header: KeptHeaderValue | KeptHeaderValue[] | null;
  content_type_header: KeptHeaderValue | KeptHeaderValue[] | null;
  /** Whether the message had a ce_ header: CloudEvents binary mode, unless its content-type says structured (outsideFormOf). */
  cloud_events_headers: boolean;
  body_start: Buffer | null;
  body_bytes: number | null;
}

/** A row's SHOWN_MESSAGE_COLUMNS with the topic its message was read from, which every listing selects besides. */
export type ShownLetterRow = ShownMessageRow & { topic: string };

/** What an operator reads of a dead-lettered message: which event it was, who produced it and what it said, bytes that are not text in base64. */
export interface ShownMessage {
  eventId: string | null;
  key: KeptHeaderValue | null;
  source: KeptHeaderValue | null;
  body: KeptHeaderValue | null;
  bodyBytes: number | null;
  bodyTruncated: boolean;
}

export function shownMessage(row: ShownLetterRow): ShownMessage {
  const bodyTruncated = row.body_bytes !== null && row.body_bytes > SHOWN_BODY_BYTES;
  const body = row.body_start && (bodyTruncated ? cutBody(row.body_start) : keptValue(row.body_start));
  // Only a body shown whole is parsed, so a page stays cheap.
  const wholeText = !bodyTruncated && typeof body === 'string' ? body : undefined;
  const structured = isStructured(row.content_type_header);
  // A structured-mode message names itself in its body, where its reader read its id and source.
  const named = wholeText !== undefined && structured ? attributesOf(wholeText) : {};
  return {
    eventId: named.id ?? row.event_id,
    key: row.message_key && keptValue(row.message_key),
    source: named.source === undefined ? producerOf(row, structured, wholeText) : keptValue(named.source),
    body,
    bodyBytes: row.body_bytes,
    bodyTruncated,
  };
}

/**
 * Who sent a message its body does not name: its ce_source header (a repeated one's first value,
 * as when the message was read), else, for a kept message in no CloudEvents form, the producer the
 * topic's contract reads in a bare payload (a sample's own `source`, or `kafka:<topic>`). A
 * CloudEvents message without its source named none: its data's fields are no CloudEvents source.
 */
function producerOf(row: ShownLetterRow, structured: boolean, wholeText: string | undefined): KeptHeaderValue | null {
  const header = Array.isArray(row.source_header) ? row.source_header[0] : row.source_header;
  if (header !== null && header !== undefined) return header;
  if (structured || row.cloud_events_headers || row.body_start === null) return null;
  const bare = bareSourceOf(row.topic, wholeText);
  return bare === undefined ? null : keptValue(bare);
}

/** Whether the message was in CloudEvents structured mode, by its content-type as the analyzer's intake reads it. */
const isStructured = (contentType: ShownMessageRow['content_type_header']): boolean =>
  contentType !== null && outsideFormOf(headersToSend({ 'content-type': contentType })) === 'structured';

/** The id and source a structured-mode body gives as text; none from a body that is not JSON. */
function attributesOf(body: string): { id?: string; source?: string } {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof event !== 'object' || event === null) return {};
  const { id, source } = event as Record<string, unknown>;
  return { id: typeof id === 'string' ? id : undefined, source: typeof source === 'string' ? source : undefined };
}

/** The start of a body cut at SHOWN_BODY_BYTES: still text when it was, the cut having split a character (up to four bytes in UTF-8). */
function cutBody(start: Buffer): KeptHeaderValue {
  for (let split = 0; split <= 3; split++) {
    const whole = keptValue(start.subarray(0, start.length - split));
    if (typeof whole === 'string') return whole;
  }
  return keptValue(start);
}
