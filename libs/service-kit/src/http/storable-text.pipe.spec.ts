import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain.error';
import { StorableTextPipe } from './storable-text.pipe';

describe('StorableTextPipe', () => {
  const pipe = new StorableTextPipe();

  it('refuses a query parameter or path segment holding NUL, naming it', () => {
    expect(() => pipe.transform('a\u0000b', { type: 'query', data: 'team' })).toThrow('The query is invalid: team holds the NUL character (U+0000), which Holdfast cannot store: remove it');
    let refused: DomainError | undefined;
    try {
      pipe.transform({ region: 'I\u0000R' }, { type: 'query' });
    } catch (error) {
      refused = error as DomainError;
    }
    expect(refused).toMatchObject({ code: 'invalid-query', status: 400, extensions: { errors: [{ path: 'region' }] } });
    expect(() => pipe.transform('I\u0000R', { type: 'param', data: 'region' })).toThrow(/^The path is invalid: region holds the NUL character/);
  });

  it('passes other text through, and leaves bodies to their schema pipe', () => {
    expect(pipe.transform('IR', { type: 'query', data: 'region' })).toBe('IR');
    expect(pipe.transform({ title: 'a\u0000b' }, { type: 'body' })).toEqual({ title: 'a\u0000b' });
  });
});
