import type { z } from 'zod';

/** The issue fields the wording reads; present on zod's raw issues (error maps) and final ones alike. */
type WordedIssue = Pick<z.core.$ZodIssue, 'code'> & {
  expected?: string;
  received?: string;
  origin?: string;
  maximum?: number | bigint;
  minimum?: number | bigint;
  inclusive?: boolean;
  exact?: boolean;
  values?: readonly unknown[];
  format?: string;
};

const FORMAT: Record<string, string> = {
  url: 'must be a URL such as https://example.com/path',
  uuid: 'must be a UUID',
  datetime: 'must be an ISO-8601 instant such as 2026-06-14T21:00:00Z',
  email: 'must be an email address',
};

const EXPECTED_TYPE: Record<string, string> = {
  string: 'must be text',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  array: 'must be a list',
  object: 'must be an object',
};

/**
 * What an issue asks for, in words ("must be a number", "must be at most 200 characters", "must be
 * one of minor, major"), for the issues zod words as "Invalid input: expected number, received
 * string" or "Too big: expected string to have <=200 characters"; undefined for the rest, which
 * keep the schema's or zod's own message. One wording for HTTP refusals, configuration and
 * contract violations alike.
 */
export function issueInWords(issue: WordedIssue): string | undefined {
  switch (issue.code) {
    case 'too_big':
    case 'too_small':
      return boundInWords(issue);
    case 'invalid_value':
      return issue.values === undefined ? undefined : issue.values.length === 1 ? `must be ${String(issue.values[0])}` : `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      return issue.format === undefined ? undefined : FORMAT[issue.format];
    case 'invalid_type':
      // JSON's 1e999 parses to Infinity: a number, just not a finite one.
      if (issue.expected === 'number' && (issue.received === 'Infinity' || issue.received === 'NaN')) return 'must be a finite number';
      return issue.expected === undefined ? undefined : EXPECTED_TYPE[issue.expected];
    default:
      return undefined;
  }
}

function boundInWords(issue: WordedIssue): string | undefined {
  const big = issue.code === 'too_big';
  const bound = Number(big ? issue.maximum : issue.minimum);
  if (issue.origin === 'number' || issue.origin === 'int') {
    if (issue.inclusive === false) return `must be ${big ? 'less' : 'more'} than ${bound}`;
    return `must be at ${big ? 'most' : 'least'} ${bound}`;
  }
  const unit = issue.origin === 'string' ? 'characters' : issue.origin === 'array' || issue.origin === 'set' ? 'items' : undefined;
  if (unit === undefined) return undefined;
  const verb = unit === 'characters' ? 'be' : 'hold';
  if (issue.exact) return `must ${verb} exactly ${bound} ${unit}`;
  if (big) return `must ${verb} at most ${bound - (issue.inclusive === false ? 1 : 0)} ${unit}`;
  const minimum = bound + (issue.inclusive === false ? 1 : 0);
  if (minimum === 1) return unit === 'characters' ? 'must not be empty' : 'must hold at least one item';
  return `must ${verb} at least ${minimum} ${unit}`;
}
