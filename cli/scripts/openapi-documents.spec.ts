import { describe, expect, it } from 'vitest';
import { OPENAPI_DOCUMENTS, readCheckedIn } from './openapi-documents';

interface Operation {
  parameters?: { name: string; in: string; schema?: Record<string, unknown> }[];
  responses?: Record<string, unknown>;
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

function operationsOf(file: string): [string, Operation][] {
  const document = readCheckedIn(file) as Document;
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

// The documents are what a client is generated from (the CLI's own types, and anyone's openapi-generator): e2e/cli checks
// that the services serve them as checked in; these check that a client generated from them knows what each call answers.
describe.each(Object.values(OPENAPI_DOCUMENTS))('the checked-in OpenAPI document %s', (file) => {
  it('names the success answer of every operation', () => {
    // An @ApiResponse for an error alone drops the success answer Nest would otherwise document: a generated client then knows only the 409.
    const withoutSuccess = operationsOf(file)
      .filter(([, operation]) => !Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2')))
      .map(([name]) => name);
    expect(withoutSuccess).toEqual([]);
  });

  it('types every query parameter', () => {
    // A hand-written @ApiQuery without a schema is `{}`: any value, so a client cannot tell that limit is a number from 1 to 1000.
    const untyped = operationsOf(file).flatMap(([name, operation]) =>
      (operation.parameters ?? []).filter((parameter) => parameter.in === 'query' && Object.keys(parameter.schema ?? {}).length === 0).map((parameter) => `${name} ?${parameter.name}`),
    );
    expect(untyped).toEqual([]);
  });
});
