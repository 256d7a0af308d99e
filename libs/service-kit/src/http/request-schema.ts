import type { z } from 'zod';
import { DomainError, type FieldProblem } from '../errors/domain.error';

/**
 * Zod words a missing field "Invalid input: expected string, received undefined"; a caller reads
 * "is required but missing", as contract violations say it. A message the schema sets itself still
 * wins over this map.
 */
export const requestErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is required but missing';
  // A query's text coerced to a number: zod would say "expected number, received NaN".
  if (typeof issue.input === 'number' && Number.isNaN(issue.input)) return 'must be a number';
  return undefined;
};

/** Each issue as a problem document's `errors` list names it, an unknown field under its own name; `root` stands for the whole input. */
export function fieldProblems(error: z.ZodError, root: string): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: [...issue.path, key].join('.'), message: 'is not a field of this request' }))
      : [{ path: issue.path.join('.') || root, message: issue.message }],
  );
}

export interface RequestPart {
  /** The problem's code: `invalid-body`, `invalid-query`. */
  code: string;
  /** What was sent, as the message names it: "The request body", "The gate query". */
  what: string;
  /** The path of an issue with the whole input: `(body)`, `(query)`. */
  root: string;
}

/** A request's body or query read against its contract schema, or a 400 naming every wrong field. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, part: RequestPart): z.output<S> {
  const parsed = schema.safeParse(input, { error: requestErrorMap });
  if (parsed.success) return parsed.data;
  const errors = fieldProblems(parsed.error, part.root);
  throw new DomainError(part.code, 400, `${part.what} is invalid: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
}
