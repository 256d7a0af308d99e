import { issueInWords } from '@holdfast/contracts';
import leven from 'leven';
import type { z } from 'zod';
import { DomainError, type FieldProblem } from '../errors/domain.error';

/**
 * Zod words a missing field "Invalid input: expected string, received undefined"; a caller reads
 * "is required but missing", as contract violations say it. A message the schema sets itself still
 * wins over this map.
 */
export const requestErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required but missing';
  // A query's text coerced to a number: zod would say "expected number, received NaN".
  if (issue.code === 'invalid_type' && typeof issue.input === 'number' && Number.isNaN(issue.input)) return 'must be a number';
  // "must be at most 200 characters", "must be one of minor, major", where zod says "Too big: expected string to have <=200 characters".
  return issueInWords(issue);
};

// A field this close to one the request takes is that one mistyped (regions for region); further, a guess misleads. As the CLI's flags.
const MEANT_FIELD_MAX_EDITS = 2;
// What a time zone field is called elsewhere: Holdfast's say which zone it is (plannedZone), which no spelling distance finds.
const ZONE_FIELD_SYNONYMS = new Set(['timezone', 'time_zone', 'tz', 'zone']);

/** The field of `fields` that `typed`, no field of the request, most likely meant, if one is close enough. */
function meantField(typed: string, fields: readonly string[]): string | undefined {
  const lower = typed.toLowerCase();
  const zones = ZONE_FIELD_SYNONYMS.has(lower) ? fields.filter((field) => /zone$/i.test(field)) : [];
  if (zones.length === 1) return zones[0];
  const [closest] = fields.map((field) => ({ field, edits: leven(lower, field.toLowerCase()) })).sort((a, b) => a.edits - b.edits);
  // Half of a short name changed is another word, not a typo: to is not tz.
  return closest && closest.edits <= MEANT_FIELD_MAX_EDITS && closest.edits < typed.length / 2 ? closest.field : undefined;
}

/** The unknown fields' paths, each with the path of the field it most likely meant. */
export type MeantFields = Map<string, string>;

/**
 * Notes, for each field an object schema refused as unknown, the field of that object it most
 * likely meant (none the input gives already). Only here does zod hand over the schema that
 * refused it (`inst`), whose shape holds the fields it takes; the finished issue keeps the names alone.
 */
function noteMeantFields(issue: z.core.$ZodRawIssue, meant: MeantFields): void {
  if (issue.code !== 'unrecognized_keys') return;
  const shape = (issue.inst as Partial<z.core.$ZodObject> | undefined)?._zod?.def.shape;
  if (!shape) return;
  const input = issue.input as Record<string, unknown>;
  const fields = Object.keys(shape).filter((field) => input[field] === undefined);
  const at = (issue.path ?? []).map(String);
  for (const key of issue.keys) {
    const field = meantField(key, fields);
    if (field) meant.set([...at, key].join('.'), [...at, field].join('.'));
  }
}

/** requestErrorMap, noting in `meant` the field each unknown one most likely meant, for fieldProblems to name. */
export const requestErrorMapNoting =
  (meant: MeantFields): z.core.$ZodErrorMap =>
  (issue) => {
    noteMeantFields(issue, meant);
    return requestErrorMap(issue);
  };

/**
 * Each issue as a problem document's `errors` list names it, an unknown field under its own name
 * (with the one it most likely meant, from `meant`); `root` stands for the whole input.
 */
export function fieldProblems(error: z.ZodError, root: string, meant: ReadonlyMap<string, string> = new Map()): FieldProblem[] {
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => {
          const path = [...issue.path, key].join('.');
          const field = meant.get(path);
          return { path, message: `is not a field of this request${field ? `; did you mean ${field}?` : ''}` };
        })
      : [{ path: issue.path.join('.') || root, message: issue.message }],
  );
}

const NUL_TEXT = 'holds the NUL character (U+0000), which Holdfast cannot store: remove it';
const SURROGATE_TEXT = 'holds half of a UTF-16 surrogate pair alone (a \\ud800-\\udfff escape), which is no Unicode character and which Holdfast cannot store: send the whole character';
// In a u-mode pattern a whole pair is one code point, so only a half standing alone is a surrogate.
const UNSTORABLE = /[\0\p{Cs}]/u;

/** Why PostgreSQL cannot store the text as it was sent (text turns a lone surrogate into U+FFFD, jsonb refuses it), or null. */
function unstorable(text: string): string | null {
  // One scan for the common case, well-formed text; NUL is named first when both are there.
  if (!UNSTORABLE.test(text)) return null;
  return text.includes('\0') ? NUL_TEXT : SURROGATE_TEXT;
}

/** A value met on the walk below, with how it was reached: its path is built only for a problem. */
interface Visit {
  node: unknown;
  parent?: Visit;
  name?: string | number;
  /** Reached as an object member, whose name may itself hold what cannot be stored. */
  member?: boolean;
}

function pathOf(visit: Visit): string {
  const names: (string | number)[] = [];
  for (let at: Visit | undefined = visit; at?.name !== undefined; at = at.parent) names.push(at.name);
  return names.reverse().join('.');
}

/**
 * Every string (and object key) holding NUL or a lone surrogate, by its path. JSON allows both
 * (NUL escaped, a surrogate as a lone \\ud800 escape) and the contract schemas let them through,
 * but PostgreSQL's text and jsonb refuse NUL, and jsonb a lone surrogate, which text silently turns
 * into U+FFFD: left in, either turns a good request into a 500 at the first statement that stores
 * it. Walked with a stack of its own, not by recursion: a body of a megabyte of "[" nests deeper
 * than the call stack goes, and that too is the caller's input, not a 500.
 */
export function unstorableTextProblems(value: unknown, root: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const pending: Visit[] = [{ node: value }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const { node } = visit;
    const badName = visit.member ? unstorable(visit.name as string) : null;
    if (badName) problems.push({ path: pathOf(visit), message: `is a name that ${badName}` });
    if (typeof node === 'string') {
      const bad = unstorable(node);
      if (bad) problems.push({ path: pathOf(visit) || root, message: bad });
    } else if (Array.isArray(node)) {
      // Pushed last to first, so they are met in order and the problems come out in document order.
      for (let index = node.length - 1; index >= 0; index--) pending.push({ node: node[index], parent: visit, name: index });
    } else if (node !== null && typeof node === 'object') {
      const members = Object.entries(node);
      for (let index = members.length - 1; index >= 0; index--) pending.push({ node: members[index][1], parent: visit, name: members[index][0], member: true });
    }
  }
  return problems;
}

export interface RequestPart {
  /** The problem's code: `invalid-body`, `invalid-query`. */
  code: string;
  /** What was sent, as the message names it: "The request body", "The gate query". */
  what: string;
  /** The path of an issue with the whole input: `(body)`, `(query)`. */
  root: string;
  /** The handler reads the items of a list itself, refusing them one by one, their unstorable text included (sample intake): none is looked for here. */
  textCheckedByHandler?: boolean;
}

/** A request's body or query read against its contract schema, or a 400 naming every wrong field (text holding NUL or a lone surrogate included). */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, part: RequestPart): z.output<S> {
  const meant: MeantFields = new Map();
  const parsed = schema.safeParse(input, { error: requestErrorMapNoting(meant) });
  const errors = parsed.success ? (part.textCheckedByHandler ? [] : unstorableTextProblems(parsed.data, part.root)) : fieldProblems(parsed.error, part.root, meant);
  if (errors.length === 0) return parsed.data as z.output<S>;
  throw invalidRequest(part.code, part.what, errors);
}

/** The 400 for a part of a request, every problem in its detail and in `errors`. */
export function invalidRequest(code: string, what: string, errors: FieldProblem[]): DomainError {
  return new DomainError(code, 400, `${what} is invalid: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
}
