import type { z } from 'zod';
import { CodedError } from './coded-error';
import type { AnyHoldfastEvent } from './envelope';
import { issueInWords } from './issue-wording';
import { withoutStack } from './without-stack';

export const ContractViolationCode = {
  UnknownTopic: 'unknown-topic',
  MissingHeader: 'missing-header',
  InvalidHeader: 'invalid-header',
  InvalidEnvelope: 'invalid-envelope',
  UnknownEventType: 'unknown-event-type',
  WrongTopic: 'wrong-topic',
  SchemaMismatch: 'schema-mismatch',
  InvalidBody: 'invalid-body',
  InvalidPayload: 'invalid-payload',
  WrongKey: 'wrong-key',
  MessageTooLarge: 'message-too-large',
} as const;
export type ContractViolationCode = (typeof ContractViolationCode)[keyof typeof ContractViolationCode];

/** An event that breaks the contract; `reason` names the header or field and what is wrong with it. */
export class ContractViolation extends CodedError<ContractViolationCode> {
  override readonly name = 'ContractViolation';

  readonly reason: string;
  /** The event as decoded when its message key is all that is wrong (wrong-key): its consumer may know more wrong with it. */
  readonly event?: AnyHoldfastEvent;

  constructor(code: ContractViolationCode, reason: string, event?: AnyHoldfastEvent) {
    super(code, `${code}: ${reason}`);
    this.reason = reason;
    this.event = event;
  }
}

/** A violation of what Holdfast was sent, not of its own code: built without a stack (withoutStack). */
export const inputViolation = (code: ContractViolationCode, reason: string, event?: AnyHoldfastEvent): ContractViolation =>
  withoutStack(() => new ContractViolation(code, reason, event));

const formatPath = (path: readonly PropertyKey[]): string =>
  path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((node, part) => (node === null || typeof node !== 'object' ? undefined : (node as Record<PropertyKey, unknown>)[part]), input);

/** A refinement's own message already says what is missing; any other issue on an absent value means "missing". */
export const isMissing = (issue: z.core.$ZodIssue, input: unknown): boolean =>
  issue.code !== 'custom' && valueAt(input, issue.path) === undefined;

// zod's own English messages ("Invalid input: ...", "Too big: ..."); a schema's message (ours start with "must") is kept as written.
const ZOD_DEFAULT = /^(?:Invalid |Too (?:big|small):)/;

/**
 * zod still checks a length bound on a value of the wrong type (an empty list where text belongs,
 * giving "must be text; must not be empty"): the type alone is the reason.
 */
function withoutBoundsOfWrongTypes(issues: readonly z.core.$ZodIssue[]): readonly z.core.$ZodIssue[] {
  const wrongType = new Set(issues.filter((issue) => issue.code === 'invalid_type').map((issue) => formatPath(issue.path)));
  if (wrongType.size === 0) return issues;
  return issues.filter((issue) => issue.code === 'invalid_type' || !wrongType.has(formatPath(issue.path)));
}

/**
 * One sentence per issue, e.g. "surge.started payload field evidence.score: must be a number";
 * `whole` names the validated value, `part` prefixes the path of a field in it.
 */
export const describeIssues = (issues: readonly z.core.$ZodIssue[], input: unknown, whole: string, part: string): string =>
  withoutBoundsOfWrongTypes(issues)
    .map((issue) => {
      const where = issue.path.length === 0 ? whole : `${part} ${formatPath(issue.path)}`;
      const message = isMissing(issue, input) ? 'is required but missing' : ((ZOD_DEFAULT.test(issue.message) ? issueInWords(issue) : undefined) ?? issue.message);
      return `${where}: ${message}`;
    })
    .join('; ');
