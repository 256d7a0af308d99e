import { keptValue, type KeptHeaderValue } from './kept-headers';

/**
 * A dead letter's body is listed up to this many bytes: enough for the event a producer got wrong,
 * while a page of 1,000 letters stays near a megabyte whatever their messages' size. The whole
 * body is kept for a replay, and is on `<topic>.dlq`.
 */
export const SHOWN_BODY_BYTES = 1024;

/** The columns that show a dead letter's kept message in a listing; the body is cut in PostgreSQL, so a page never reads whole bodies. */
export const SHOWN_MESSAGE_COLUMNS = `message_key, message_headers -> 'ce_source' AS source_header,
  substring(message_value FROM 1 FOR ${SHOWN_BODY_BYTES}) AS body_start, octet_length(message_value) AS body_bytes`;

/** A row's SHOWN_MESSAGE_COLUMNS: null throughout when the letter kept no message. */
export interface ShownMessageRow {
  message_key: Buffer | null;
  source_header: KeptHeaderValue | KeptHeaderValue[] | null;
  body_start: Buffer | null;
  body_bytes: number | null;
}

/** What an operator reads of a dead-lettered message: who produced it and what it said, bytes that are not text in base64. */
export interface ShownMessage {
  key: KeptHeaderValue | null;
  source: KeptHeaderValue | null;
  body: KeptHeaderValue | null;
  bodyBytes: number | null;
  bodyTruncated: boolean;
}

export function shownMessage(row: ShownMessageRow): ShownMessage {
  const bodyTruncated = row.body_bytes !== null && row.body_bytes > SHOWN_BODY_BYTES;
  return {
    key: row.message_key && keptValue(row.message_key),
    // A repeated header's first value counts, as when the message was read.
    source: (Array.isArray(row.source_header) ? row.source_header[0] : row.source_header) ?? null,
    body: row.body_start && (bodyTruncated ? cutBody(row.body_start) : keptValue(row.body_start)),
    bodyBytes: row.body_bytes,
    bodyTruncated,
  };
}

/** The start of a body cut at SHOWN_BODY_BYTES: still text when it was, the cut having split a character (up to four bytes in UTF-8). */
function cutBody(start: Buffer): KeptHeaderValue {
  for (let split = 0; split <= 3; split++) {
    const whole = keptValue(start.subarray(0, start.length - split));
    if (typeof whole === 'string') return whole;
  }
  return keptValue(start);
}
