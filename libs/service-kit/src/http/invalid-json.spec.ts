import { describe, expect, it } from 'vitest';
import { invalidJson } from './service-app.factory';

describe('invalidJson', () => {
  it.each([
    ['null', 'null'],
    ['"x"', 'a string'],
    [' 42 ', 'a number'],
    ['true', 'a boolean'],
  ])('says a body of %s is JSON but not an object, rather than not JSON', (body, kind) => {
    const error = invalidJson({ type: 'entity.parse.failed', message: `Unexpected token in JSON`, body });
    expect({ code: error.code, status: error.status, message: error.message, errors: error.extensions.errors }).toEqual({
      code: 'invalid-body',
      status: 400,
      message: `The request body must be a JSON object; it is ${kind}.`,
      errors: [{ path: '(body)', message: 'must be an object' }],
    });
  });

  it('keeps the parser’s words for a body that is not JSON', () => {
    const error = invalidJson({ type: 'entity.parse.failed', message: 'Unexpected end of JSON input', body: '{"a":' });
    expect([error.code, error.message]).toEqual(['invalid-json', 'The request body is not valid JSON: Unexpected end of JSON input.']);
    expect(invalidJson({ type: 'entity.parse.failed', message: 'Unexpected token', body: 'nul' }).code).toBe('invalid-json');
  });
});
