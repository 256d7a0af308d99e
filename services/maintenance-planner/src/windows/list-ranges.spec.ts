import { DomainError, ZodQueryPipe } from '@holdfast/service-kit';
import { describe, expect, it } from 'vitest';
import { AuditQuerySchema } from '../audit/audit.controller';
import { WindowOccurrencesQuerySchema } from '../occurrences/occurrences-query.schema';
import { ListWindowsQuerySchema, OccurrencesQuerySchema } from './window-request.schema';

const refusal = (read: () => unknown) => {
  try {
    read();
  } catch (error) {
    return error instanceof DomainError ? { status: error.status, code: error.code, errors: error.extensions?.errors } : error;
  }
  return 'taken';
};

describe("the planner's time-ranged lists", () => {
  it.each([
    ['windows', ListWindowsQuerySchema],
    ['a window\'s runs', OccurrencesQuerySchema],
    ['runs across windows', WindowOccurrencesQuerySchema],
    ['the audit trail', AuditQuerySchema],
  ])('refuses %s asked from after to, naming to, rather than answering an empty page', (_, schema) => {
    const pipe = new ZodQueryPipe(schema);
    expect(refusal(() => pipe.transform({ from: '2026-06-15T00:00:00Z', to: '2026-06-14T00:00:00Z' }))).toEqual({
      status: 400,
      code: 'invalid-query',
      errors: [expect.objectContaining({ path: 'to', message: 'must not be before from (2026-06-15T00:00:00Z)' })],
    });
    expect(refusal(() => pipe.transform({ from: '2026-06-14T00:00:00Z', to: '2026-06-14T00:00:00Z' }))).toBe('taken');
    expect(refusal(() => pipe.transform({ to: '2026-06-14T00:00:00Z' }))).toBe('taken');
  });
});
