import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DomainError } from '../errors/domain.error';
import { ZodQueryPipe, ZodValuePipe } from './zod-value.pipe';

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('the pipe accepted what it should refuse');
}

describe('ZodValuePipe', () => {
  const status = new ZodValuePipe(z.enum(['active', 'cleared']).optional());
  const number = new ZodValuePipe(z.coerce.number().int());

  it('gives the parsed value, and nothing for an optional parameter left out', () => {
    expect(status.transform('active', { type: 'query', data: 'status' })).toBe('active');
    expect(status.transform(undefined, { type: 'query', data: 'status' })).toBeUndefined();
    expect(number.transform('3', { type: 'param', data: 'n' })).toBe(3);
  });

  it('refuses a query parameter or a path segment with a 400 naming it', () => {
    const query = refusal(() => status.transform('open', { type: 'query', data: 'status' }));
    expect(query).toMatchObject({ status: 400, code: 'invalid-query', extensions: { errors: [{ path: 'status', message: 'must be one of active, cleared' }] } });
    expect(query.message).toBe('The query is invalid: status must be one of active, cleared');
    const path = refusal(() => number.transform('x', { type: 'param', data: 'n' }));
    expect(path).toMatchObject({ status: 400, code: 'invalid-path', extensions: { errors: [{ path: 'n', message: 'must be a number' }] } });
  });
});

describe('ZodQueryPipe', () => {
  it('reads the whole query and calls a refusal a bad query, not a bad body', () => {
    const pipe = new ZodQueryPipe(z.strictObject({ limit: z.coerce.number().int().optional() }));
    expect(pipe.transform({ limit: '5' })).toEqual({ limit: 5 });
    const refused = refusal(() => pipe.transform({ limit: 'many', page: '2' }));
    expect(refused).toMatchObject({ code: 'invalid-query' });
    expect(refused.extensions.errors).toEqual([
      { path: 'limit', message: 'must be a number' },
      { path: 'page', message: 'is not a field of this request' },
    ]);
  });
});
