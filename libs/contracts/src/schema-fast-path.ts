import { z } from 'zod';
import { withoutStack } from './without-stack';

/**
 * What a fast path answers when it cannot vouch for an input: the caller asks zod, so every
 * refusal, and every reason given for it, is zod's own.
 */
export const UNSURE: unique symbol = Symbol('unsure');

/** Zod's output for an input it accepts, or UNSURE. */
export type FastPath<T> = (input: unknown) => T | typeof UNSURE;

type Node = (value: unknown) => unknown;
type Check = (value: unknown) => boolean;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

const hasOwn = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

/** Zod measures strings in code points: a lone unit of a surrogate pair counts as one, a pair as one. */
function codePoints(text: string): number {
  let count = text.length;
  for (let index = 0; index < text.length - 1; index++) {
    if ((text.charCodeAt(index) & 0xfc00) === 0xd800 && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      count--;
      index++;
    }
  }
  return count;
}

// String formats whose zod check is their pattern alone (zod/v4/core schemas.js): anything else, a URL
// or an IP address checked by parsing it, has no fast path.
const PATTERN_FORMATS: Readonly<Record<string, string>> = { regex: '$ZodCheckRegex', uuid: '$ZodUUID', datetime: '$ZodISODateTime' };

/**
 * A superRefine() or check(): zod's own check function, run on a payload of the value as zod runs
 * it, passes when it adds no issue and leaves the value as it was (a window's recurrence rule and
 * exdates are checked so).
 */
function issueFree(internals: z.core.$ZodCheckInternals<unknown>): Check | null {
  const check = internals.check as ((payload: z.core.ParsePayload) => unknown) | undefined;
  if (typeof check !== 'function') return null;
  return (value) => {
    const payload: z.core.ParsePayload = { value, issues: [] };
    try {
      const result = check(payload);
      return !(result instanceof Promise) && payload.issues.length === 0 && payload.value === value;
    } catch {
      return false;
    }
  };
}

/** One zod check as a predicate (false for a value of another kind than the check's), or null when it is not one this file knows. */
function checkOf(check: z.core.$ZodCheck): Check | null {
  // A function given to .check() stands as a bare { check, def } with no traits.
  const internals = check._zod as z.core.$ZodCheckInternals<unknown> & { traits?: Set<string> };
  const traits = internals.traits ?? new Set<string>();
  const def = internals.def as z.core.$ZodCheckDef & Record<string, unknown>;
  switch (def.check) {
    case 'min_length': {
      const minimum = def.minimum as number;
      // Twice the floor in UTF-16 units is at least the floor in code points; below the floor in units, zod decides.
      return (value) =>
        Array.isArray(value) ? value.length >= minimum : typeof value === 'string' && (value.length >= minimum * 2 || (value.length >= minimum && codePoints(value) >= minimum));
    }
    case 'max_length': {
      const maximum = def.maximum as number;
      // Code points never outnumber units: within the limit in units is within it in code points.
      return (value) => (Array.isArray(value) || typeof value === 'string') && value.length <= maximum;
    }
    case 'length_equals': {
      const length = def.length as number;
      // A string's exact length in code points is zod's to count.
      return (value) => Array.isArray(value) && value.length === length;
    }
    case 'number_format': {
      // zod's own table of ranges, so a format's bounds are never a copy that could drift.
      const format = def.format as string;
      const range = (z.core.util.NUMBER_FORMAT_RANGES as Partial<Record<string, readonly [number, number]>>)[format];
      if (!range) return null;
      const [minimum, maximum] = range;
      // As zod decides: an integer format ("int" in its name) takes safe integers within its range; a float format, numbers within it.
      const integer = format.includes('int');
      return (value) => typeof value === 'number' && (!integer || Number.isSafeInteger(value)) && value >= minimum && value <= maximum;
    }
    case 'string_format': {
      const pattern = def.pattern as RegExp | undefined;
      const trait = PATTERN_FORMATS[def.format as string];
      if (!pattern || !trait || !traits.has(trait)) return null;
      return (value) => {
        pattern.lastIndex = 0;
        return typeof value === 'string' && pattern.test(value);
      };
    }
    case 'greater_than': {
      const bound = def.value;
      if (typeof bound !== 'number') return null;
      return def.inclusive ? (value) => typeof value === 'number' && value >= bound : (value) => typeof value === 'number' && value > bound;
    }
    case 'less_than': {
      const bound = def.value;
      if (typeof bound !== 'number') return null;
      return def.inclusive ? (value) => typeof value === 'number' && value <= bound : (value) => typeof value === 'number' && value < bound;
    }
    case 'custom': {
      if (!traits.has('$ZodCustom')) return issueFree(internals);
      // A refine() is a predicate.
      const fn = def.fn;
      if (typeof fn !== 'function') return null;
      return (value) => {
        try {
          const result: unknown = fn(value);
          return !(result instanceof Promise) && Boolean(result);
        } catch {
          return false;
        }
      };
    }
    default:
      return null;
  }
}

/** The schema's checks as predicates; a string format (z.uuid(), z.iso.datetime()) is its own first check. */
function checksOf(schema: z.core.$ZodType, isOwnCheck: boolean): Check[] | null {
  const listed = (schema._zod.def as { checks?: z.core.$ZodCheck[] }).checks ?? [];
  const checks: Check[] = [];
  for (const entry of isOwnCheck ? [schema as unknown as z.core.$ZodCheck, ...listed] : listed) {
    const check = checkOf(entry);
    if (!check) return null;
    checks.push(check);
  }
  return checks;
}

const passes = (checks: readonly Check[], value: unknown): boolean => {
  for (const check of checks) if (!check(value)) return false;
  return true;
};

/**
 * Fields zod lets be absent, putting nothing in their place, or be there holding undefined, kept
 * as such (.optional(); not .exactOptional(), which refuses undefined).
 */
export const isOmittable = (schema: z.core.$ZodType): boolean => {
  const internals = schema._zod as z.core.$ZodType['_zod'] & { traits: Set<string> };
  return internals.def.type === 'optional' && internals.optin === 'optional' && internals.optout === 'optional' && !internals.traits.has('$ZodExactOptional');
};

function compileNode(schema: z.core.$ZodType): Node | null {
  const internals = schema._zod as z.core.$ZodType['_zod'] & { traits: Set<string> };
  const def = internals.def as z.core.$ZodTypeDef & Record<string, unknown>;
  if (def.coerce) return null;
  switch (def.type) {
    case 'string': {
      const checks = checksOf(schema, internals.traits.has('$ZodCheck'));
      if (!checks) return null;
      return (value) => (typeof value === 'string' && passes(checks, value) ? value : UNSURE);
    }
    case 'number': {
      // z.int() and friends are their own format check, first of the schema's checks.
      const checks = checksOf(schema, internals.traits.has('$ZodCheck'));
      if (!checks) return null;
      return (value) => (typeof value === 'number' && Number.isFinite(value) && passes(checks, value) ? value : UNSURE);
    }
    case 'boolean': {
      const checks = checksOf(schema, false);
      if (!checks) return null;
      return (value) => (typeof value === 'boolean' && passes(checks, value) ? value : UNSURE);
    }
    case 'enum': {
      const allowed = internals.values;
      const checks = checksOf(schema, false);
      if (!allowed || !checks) return null;
      return (value) => (allowed.has(value as never) && passes(checks, value) ? value : UNSURE);
    }
    case 'nullable': {
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const parse = compileNode(def.innerType as z.core.$ZodType);
      if (!parse) return null;
      return (value) => (value === null ? null : parse(value));
    }
    case 'array': {
      const element = compileNode(def.element as z.core.$ZodType);
      const checks = checksOf(schema, false);
      if (!element || !checks) return null;
      // Zod's output is a new array of what each element parsed to; the length checks see the input.
      return (value) => {
        if (!Array.isArray(value) || !passes(checks, value)) return UNSURE;
        const output = new Array<unknown>(value.length);
        for (let index = 0; index < value.length; index++) {
          const parsed = element(value[index]);
          if (parsed === UNSURE) return UNSURE;
          output[index] = parsed;
        }
        return output;
      };
    }
    case 'literal': {
      const values = def.values as unknown[];
      if (!values.every((value) => value === null || ['string', 'number', 'boolean'].includes(typeof value))) return null;
      const allowed = new Set(values);
      return (value) => (allowed.has(value) ? value : UNSURE);
    }
    case 'unknown': {
      const checks = checksOf(schema, false);
      if (!checks) return null;
      return (value) => (passes(checks, value) ? value : UNSURE);
    }
    case 'never':
      return () => UNSURE;
    case 'optional': {
      const inner = def.innerType as z.core.$ZodType;
      if (!isOmittable(schema) || (def.checks as unknown[] | undefined)?.length) return null;
      // A field whose schema has no fast path (a footprint's shares, a record; a window's
      // flexibility, with defaults) is vouched for only when it is left out, so the rest of the object
      // keeps its fast path.
      const parse = compileNode(inner) ?? (() => UNSURE);
      // Outside an object (where absence is handled) an undefined value is left to zod.
      return (value) => (value === undefined ? UNSURE : parse(value));
    }
    case 'default': {
      // A value given is what the inner schema makes of it; a missing one, zod's default, is left to zod.
      if ((def.checks as unknown[] | undefined)?.length) return null;
      const parse = compileNode(def.innerType as z.core.$ZodType);
      if (!parse) return null;
      return (value) => {
        if (value === undefined) return UNSURE;
        const parsed = parse(value);
        return parsed === undefined ? UNSURE : parsed;
      };
    }
    case 'object':
      return compileObject(schema as z.core.$ZodObject);
    default:
      return null;
  }
}

function compileObject(schema: z.core.$ZodObject): Node | null {
  const def = schema._zod.def;
  const shape = def.shape as Record<string, z.core.$ZodType>;
  if (Object.getOwnPropertySymbols(shape).length > 0) return null;
  const keys = Object.keys(shape);
  // A key that every object already has (constructor, toString) is "present" to zod even when the input lacks it.
  if (keys.some((key) => key === '__proto__' || key in Object.prototype)) return null;
  const fields: { key: string; parse: Node; omittable: boolean }[] = [];
  for (const key of keys) {
    const parse = compileNode(shape[key]);
    if (!parse) return null;
    fields.push({ key, parse, omittable: isOmittable(shape[key]) });
  }
  const known = new Set(keys);
  const catchall = def.catchall?._zod.def.type;
  // Unknown keys are refused (strictObject), kept as they are (looseObject) or dropped (object).
  if (catchall !== undefined && catchall !== 'never' && !(catchall === 'unknown' && !(def.catchall!._zod.def as { checks?: unknown[] }).checks?.length)) return null;
  const checks = checksOf(schema, false);
  if (!checks) return null;
  return (value) => {
    if (!isPlainObject(value)) return UNSURE;
    // Shape keys first, in the shape's order, then kept unknown keys in the input's order: zod's output.
    const output: Record<string, unknown> = {};
    for (const field of fields) {
      const item = value[field.key];
      if (item === undefined) {
        if (!field.omittable) return UNSURE;
        if (hasOwn(value, field.key)) output[field.key] = undefined;
        continue;
      }
      const parsed = field.parse(item);
      if (parsed === UNSURE) return UNSURE;
      output[field.key] = parsed;
    }
    if (catchall !== undefined) {
      for (const key in value) {
        if (known.has(key)) continue;
        if (catchall === 'never' || key === '__proto__') return UNSURE;
        output[key] = value[key];
      }
    }
    return passes(checks, output) ? output : UNSURE;
  };
}

const compiled = new WeakMap<z.core.$ZodType, Node | null>();

/**
 * The schema's fast path: derived from the schema itself, never written beside it, for the part
 * of zod it knows (objects, arrays, strings with length and pattern checks, finite numbers with
 * bounds and integer formats, booleans, enums, literals, optional, nullable and defaulted fields,
 * refine() predicates, superRefine() and check() functions); null for a schema using anything else,
 * but for an optional field, vouched for only when left out. It vouches only for inputs zod
 * accepts, giving zod's output, and answers UNSURE for all others.
 */
export function fastPathOf<T>(schema: z.ZodType<T>): FastPath<T> | null {
  if (!compiled.has(schema)) compiled.set(schema, compileNode(schema));
  return compiled.get(schema) as FastPath<T> | null;
}

/** schema.safeParse with the fast path tried first: the same result for every input. */
export function safeParseFast<T>(schema: z.ZodType<T>, input: unknown): z.ZodSafeParseResult<T> {
  const fast = fastPathOf(schema);
  if (fast) {
    const data = fast(input);
    if (data !== UNSURE) return { success: true, data };
  }
  const result = schema.safeParse(input);
  if (result.success) return result;
  // zod builds its error on first reading; every caller turns the issues into a refusal of its own, so its stack is never read.
  const error = withoutStack(() => result.error);
  return { success: false, error };
}
