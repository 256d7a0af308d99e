import type { ParseArgsConfig } from 'node:util';
import { DateTime } from 'luxon';
import YAML from 'yaml';
import { CliError, ExitCode, MissingInputError, UsageError, type CliIo } from './cli-io';
import type { HoldfastApi } from './client/holdfast-api';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  values: Values;
  positionals: string[];
  api: HoldfastApi;
  io: CliIo;
  json: boolean;
}

export interface Command {
  /** "windows list" */
  name: string;
  usage: string;
  summary: string;
  /** The arguments it takes, named in order (ID; REGION METRIC), if any: a word more is a usage error, not ignored. */
  argument?: string;
  options?: OptionSpec;
  /**
   * Its flags that name what it acts on beside its arguments (a run's --occurrence, a declaration's --regions): with them, its
   * Idempotency-Keys tell it from a command of the same name on something else under the same key (`commandKey`).
   */
  actsOn?: readonly string[];
  /** The --request-timeout it takes when none is given, for a call its service answers slowly by design (30s when unset). */
  requestTimeout?: string;
  run(context: CommandContext): Promise<number | void>;
}

export const text = (values: Values, name: string): string | undefined => {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
};

/**
 * A whole-number flag (a run's number, a version, a count, a limit), checked here: the service
 * would refuse a typo by its own field's name (`n`, `occurrence`), not the flag's.
 */
export function wholeNumber(values: Values, name: string): number | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new CliError(`--${name} must be a whole number of at least 1, not ${value}`, ExitCode.usage);
  return Number(value);
}

export const list = (values: Values, name: string): string[] | undefined =>
  text(values, name)
    ?.split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** A region code as the services take it: a country's two letters in upper case (a custom region's code is longer, in lower case). */
export const regionCode = (code: string): string => (code.length === 2 ? code.toUpperCase() : code);

/** Region codes from a comma-separated flag, each as `regionCode` writes it. */
export const regionCodes = (values: Values, name: string): string[] | undefined => list(values, name)?.map(regionCode);

/** The value that makes a secret's flag read it from standard input, where `ps` and the shell's history do not see it. */
export const FROM_STDIN = '-';

/** A secret's flag: its value, or with `-` the first line of standard input; an empty one is a usage error. */
export async function secretText(values: Values, io: CliIo, name: string, what: string): Promise<string | undefined> {
  const value = text(values, name);
  if (value !== FROM_STDIN) return value;
  const line = await io.readLine();
  if (line === '') throw new CliError(`--${name} - reads the ${what} from standard input, which gave none: pipe it in, as in --${name} - < file`, ExitCode.usage);
  return line;
}

/** "a", "a and b", "a, b and c". */
export const inWords = (names: readonly string[]): string => (names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join(''));

/** What was read of each flag, none of them missing. */
export type Given<Read> = { [Name in keyof Read]-?: Exclude<Read[Name], undefined> };

/**
 * The flags a command cannot do without, each as read (its text, an instant, a list), by its name:
 * one missing, empty or an empty list is a usage error naming every such flag at once, and only
 * those, so a person fixes the command line in one go.
 */
export function requiredFlags<Read extends Record<string, unknown>>(read: Read): Given<Read> {
  const missing = Object.entries(read)
    .filter(([, value]) => value === undefined || value === '' || (Array.isArray(value) && value.length === 0))
    .map(([name]) => `--${name}`);
  if (missing.length > 0) throw new MissingInputError(`${inWords(missing)} ${missing.length === 1 ? 'is' : 'are'} required`);
  return read as Given<Read>;
}

export const requiredText = (context: CommandContext, name: string): string => requiredFlags({ [name]: text(context.values, name) })[name];

/**
 * An instant as the services take it (UTC, ending in Z) from one written with any offset, as RFC
 * 3339 has it (2026-12-06T10:00:00+01:00). One without an offset, or a date alone, is refused: read
 * in this machine's zone, it would name another instant for a colleague or a CI runner elsewhere.
 */
export function utcInstantOf(value: string, named: string): string {
  // An offset written is kept as the time's zone, a fixed one; without one it is in this machine's zone.
  const at = DateTime.fromISO(value, { setZone: true });
  if (!at.isValid) throw new CliError(`${named} ${value} is not a time: write it as 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00`, ExitCode.usage);
  if (!at.zone.isUniversal) {
    const wall = at.toFormat("yyyy-MM-dd'T'HH:mm:ss");
    throw new CliError(`${named} ${value} has no ${/t/i.test(value) ? '' : 'time or '}offset: write ${wall}Z or ${wall}+01:00`, ExitCode.usage);
  }
  return at.toUTC().toISO({ suppressMilliseconds: true });
}

/** A time flag (--start, --from, --since...), sent as a UTC instant: see `utcInstantOf`. */
export function utcInstant(values: Values, name: string): string | undefined {
  const value = text(values, name);
  return value === undefined ? undefined : utcInstantOf(value, `--${name}`);
}

/** A time flag the command cannot do without, as a UTC instant. */
export const requiredInstant = (context: CommandContext, name: string): string => requiredFlags({ [name]: utcInstant(context.values, name) })[name];

/** A flag naming one of a few values, checked here so a typo is a usage error naming them, not a 400 from a service. */
export function flagOneOf<T extends string>(values: Values, name: string, allowed: readonly T[]): T | undefined {
  const value = text(values, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) throw new CliError(`--${name} must be one of ${allowed.join(', ')}, not ${value}`, ExitCode.usage);
  return value as T | undefined;
}

/** What a command acts on, its first argument: missing, it is a usage error saying what to give. */
export const firstArgument = (context: CommandContext, what: string): string => {
  const given = context.positionals[0];
  if (!given) throw new MissingInputError(`give the ${what}`);
  return given;
};

// Any UUID in either case, as the services read an id in a path or a query.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the ids of each kind name, and the command that lists them. */
const ID_KINDS = {
  window: 'holdfast windows list',
  hold: 'holdfast holds list',
  'window or hold': 'holdfast windows list and holdfast holds list',
  surge: 'holdfast surges list',
  declaration: 'holdfast declarations list',
  subscription: 'holdfast subscriptions list',
  delivery: 'holdfast deliveries list',
} as const;
export type IdKind = keyof typeof ID_KINDS;

/**
 * Why `given` is no id, or undefined: checked here, a mistyped or half-pasted id is a usage error
 * (exit 2) saying what an id looks like, not the service's 400 (exit 1, as for a call that failed).
 */
function idProblem(given: string, kind: IdKind): string | undefined {
  if (UUID.test(given)) return undefined;
  return `${JSON.stringify(given)} is not a ${kind} id: an id is a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b (${ID_KINDS[kind]} ${kind === 'window or hold' ? 'show' : 'shows'} them)`;
}

/** The id a command acts on, its first argument: missing or no id, it is a usage error saying what to give. */
export function idArgument(context: CommandContext, kind: IdKind): string {
  const id = firstArgument(context, `${kind} id`);
  const problem = idProblem(id, kind);
  if (problem) throw new UsageError(problem);
  return id;
}

/** An id given in a flag (--window, --subscription), checked as an id argument is. */
export function idFlag(values: Values, name: string, kind: IdKind): string | undefined {
  const id = text(values, name);
  const problem = id === undefined ? undefined : idProblem(id, kind);
  if (problem) throw new CliError(`--${name} ${problem}`, ExitCode.usage);
  return id;
}

/**
 * A request body from --file (YAML or JSON: one object, the API's body) with each flag given set
 * over it; a flag not given (undefined) leaves the file's field. The service validates the result
 * and names every bad field, so it is not checked twice here.
 */
export function bodyFrom(values: Values, readFile: (path: string) => string, what: string, flags: Record<string, unknown>): Record<string, unknown> {
  const file = text(values, 'file');
  let body: Record<string, unknown> = {};
  if (file) {
    let source: string;
    try {
      source = readFile(file);
    } catch (error) {
      throw new CliError(`cannot read --file ${file}: ${(error as Error).message}`, ExitCode.usage);
    }
    let parsed: unknown;
    try {
      parsed = YAML.parse(source);
    } catch (error) {
      throw new CliError(`${file} is not YAML or JSON: ${(error as Error).message.trimEnd()}`, ExitCode.usage);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliError(`${file} must hold one ${what} as a YAML or JSON object`, ExitCode.usage);
    body = parsed as Record<string, unknown>;
  }
  for (const [field, value] of Object.entries(flags)) if (value !== undefined) body[field] = value;
  return body;
}

export const printJson = (io: CliIo, body: unknown) => io.out(`${JSON.stringify(body, null, 2)}\n`);
