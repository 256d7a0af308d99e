import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeIssues } from './contract-violation.exception';
import { issueInWords } from './issue-wording';

const issuesOf = (schema: z.ZodType, input: unknown) => {
  const parsed = schema.safeParse(input);
  if (parsed.success) throw new Error('the schema accepted the input');
  return parsed.error.issues;
};

describe('issues in words', () => {
  it('says what a type, a bound, a choice or a format asks for', () => {
    const Sample = z.strictObject({ value: z.number(), region: z.string().length(2), tags: z.array(z.string()).max(2), severity: z.enum(['minor', 'major']), link: z.url(), share: z.number().positive() });
    const issues = issuesOf(Sample, { value: 'lots', region: 'IRN', tags: ['a', 'b', 'c'], severity: 'huge', link: 'nowhere', share: 0 });
    expect(issues.map((issue) => issueInWords(issue))).toEqual([
      'must be a number',
      'must be exactly 2 characters',
      'must hold at most 2 items',
      'must be one of minor, major',
      'must be a URL such as https://example.com/path',
      'must be more than 0',
    ]);
  });

  it('says a number that overflowed to Infinity must be finite, not that it must be a number', () => {
    expect(issueInWords(issuesOf(z.number(), JSON.parse('1e999'))[0])).toBe('must be a finite number');
    expect(issueInWords(issuesOf(z.number(), Number.NaN)[0])).toBe('must be a finite number');
  });

  it('leaves what it has no words for to the schema or zod', () => {
    expect(issueInWords(issuesOf(z.string().regex(/^x$/), 'y')[0])).toBeUndefined();
    expect(issueInWords(issuesOf(z.string().refine(() => false, 'is wrong'), 'y')[0])).toBeUndefined();
  });

  it('words contract violations the same way, and keeps a schema\'s own message', () => {
    const Payload = z.strictObject({ score: z.number(), at: z.iso.datetime({ error: 'must be an RFC 3339 timestamp' }) });
    const input = { score: 'high', at: 'noon' };
    expect(describeIssues(issuesOf(Payload, input), input, 'surge.started payload', 'surge.started payload field')).toBe(
      'surge.started payload field score: must be a number; surge.started payload field at: must be an RFC 3339 timestamp',
    );
  });
});
