const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/**
 * A service's pino JSON line as a person watching `npm start` wants it: service, level, context,
 * message, the request it answered (or is reading, before its answer) and whose key sent it, the reason a message was
 * dead-lettered, and the error that caused it (a warning without its cause says only that something
 * failed). A line that is not JSON is shown as it is.
 */
export function readableLogLine(service, line) {
  let entry;
  try {
    entry = JSON.parse(line);
  } catch {
    return `[${service}] ${line}`;
  }
  if (entry === null || typeof entry !== 'object') return `[${service}] ${line}`;
  const level = LEVELS[entry.level] ?? entry.level;
  const context = entry.context ? ` ${entry.context}:` : '';
  const request = entry.req ? ` ${entry.req.method} ${entry.req.url}${entry.res?.statusCode === undefined ? '' : ` -> ${entry.res.statusCode}`}` : '';
  const caller = entry.caller?.key ? ` by ${entry.caller.team ? `${entry.caller.team}/` : ''}${entry.caller.key}` : '';
  // The dead-letter warning's reason (the first of a batch's): what to fix before replaying.
  const reason = typeof entry.reason === 'string' ? `: ${entry.reason}` : typeof entry.firstReason === 'string' ? ` (the first: ${entry.firstReason})` : '';
  const cause = typeof entry.err?.message === 'string' && entry.err.message !== '' ? ` (${entry.err.message})` : '';
  return `[${service}] ${level}${context} ${entry.msg ?? ''}${reason}${request}${caller}${cause}`;
}
