import type { z } from 'zod';
import { ContractViolation, ContractViolationCode, describeIssues, inputViolation } from './contract-violation.exception';
import { EventSchemas, type EventPayloads } from './event-catalog';
import type { EventType } from './event-types';
import { safeParseFast } from './schema-fast-path';

/**
 * 'produce' is strict: an unknown field is a producer's typo. 'consume' drops fields it does not
 * know (a tolerant reader), so an added optional field can reach consumers that predate it.
 */
export type ValidationMode = 'produce' | 'consume';

/**
 * The violation a refusal in `mode` throws: of what Holdfast was sent (consume), without a stack;
 * of Holdfast's own event (produce), a fault of its code, with one.
 */
export const violationIn = (mode: ValidationMode, code: ContractViolationCode, reason: string): ContractViolation =>
  mode === 'consume' ? inputViolation(code, reason) : new ContractViolation(code, reason);

const pruneUnknownKeys = (data: unknown, issues: readonly z.core.$ZodIssue[]): unknown => {
  const pruned = structuredClone(data);
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const target = issue.path.reduce<unknown>((node, part) => (node as Record<PropertyKey, unknown>)[part], pruned);
    for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
  }
  return pruned;
};

/** A refused payload's issues in words, each field named: "surge.started payload field evidence.score: must be a number". */
export const describePayloadIssues = (type: EventType, issues: readonly z.core.$ZodIssue[], data: unknown): string => describeIssues(issues, data, `${type} payload`, `${type} payload field`);

export function validatePayload<T extends EventType>(type: T, data: unknown, mode: ValidationMode): EventPayloads[T] {
  const schema = EventSchemas[type] as z.ZodType<EventPayloads[T]>;
  let result = safeParseFast(schema, data);
  if (!result.success && mode === 'consume' && result.error.issues.some((issue) => issue.code === 'unrecognized_keys')) {
    result = safeParseFast(schema, pruneUnknownKeys(data, result.error.issues));
  }
  if (!result.success) {
    throw violationIn(mode, ContractViolationCode.InvalidPayload, describePayloadIssues(type, result.error.issues, data));
  }
  return result.data;
}
