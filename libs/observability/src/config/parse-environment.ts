import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

export interface DecimalBounds {
  /** Whole numbers only: a count, or a duration the setting takes whole. */
  whole?: boolean;
  /** What the number counts, named in the refusal: "minutes", "bytes". */
  unit?: string;
  /** The smallest value taken. */
  min?: number;
  /** A bound the value must be above, not at. */
  above?: number;
  max?: number;
  /** Said after what is wanted when the value is out of range: why the bound is there. */
  because?: string;
}

const WHOLE_DECIMAL = /^\d+$/;
const DECIMAL = /^\d+(\.\d+)?$/;

/** What a number variable takes, in words: "a whole number of minutes from 0 to 1440", "a number of days > 0". */
function wanted({ whole, unit, min, above, max }: DecimalBounds): string {
  const what = `${whole ? 'a whole number' : 'a number'}${unit ? ` of ${unit}` : ''}`;
  if (min !== undefined && max !== undefined) return `${what} from ${min} to ${max}`;
  const bounds = [min !== undefined ? `≥ ${min}` : above !== undefined ? `> ${above}` : undefined, max !== undefined ? `≤ ${max}` : undefined].filter(Boolean);
  return bounds.length > 0 ? `${what} ${bounds.join(' and ')}` : what;
}

/**
 * A number variable, read in plain decimal only. Number() (zod's coerce) would also take 0x1e, 0b11,
 * 1e3 and " 30 ", so a value nobody meant as a number of minutes went through as one. Any refusal
 * says the whole of what is wanted, range and unit, so one start names everything to fix.
 */
export function decimalVariable(bounds: DecimalBounds) {
  const requirement = `must be ${wanted(bounds)}`;
  const plain = bounds.whole ? WHOLE_DECIMAL : DECIMAL;
  return z.string().transform((text, context): number => {
    if (!plain.test(text)) {
      context.addIssue({ code: 'custom', message: `${requirement}, written in decimal digits${bounds.whole ? '' : ' (such as 2.5)'}` });
      return z.NEVER;
    }
    const value = Number(text);
    const { min, above, max } = bounds;
    const inRange = (min === undefined || value >= min) && (above === undefined || value > above) && (max === undefined || value <= max);
    // A whole number past 2^53 would be read as another one.
    if (!inRange || (bounds.whole && !Number.isSafeInteger(value))) {
      context.addIssue({ code: 'custom', message: bounds.because ? `${requirement} ${bounds.because}` : requirement });
      return z.NEVER;
    }
    return value;
  });
}

/** What every service reads besides its database and Kafka settings. */
export const serviceEnvironmentSchema = (defaultPort: number) =>
  z.object({
    PORT: decimalVariable({ whole: true, min: 1, max: 65_535 }).default(defaultPort),
    // An address, not a name: a container's hostname would bind one interface of several.
    LISTEN_ADDRESS: z
      .string()
      .refine((address) => isIP(address) !== 0, 'must be an IP address to listen on: 0.0.0.0 (every IPv4 interface), :: (every interface) or 127.0.0.1 (this machine only)')
      .default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });

/** Why `path` is no file this process can read, or undefined when it is one; the refusal quotes the path before it. */
function unreadableFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'it is not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'it is not readable by this process' : `it cannot be read (${code})`;
  }
}

/**
 * A file the process reads later (a CA certificate): checked at boot with the other variables, so a
 * wrong path is named with its variable there rather than met as a bare ENOENT at the first connection.
 */
export const readableFileSchema = z
  .string()
  .min(1)
  .superRefine((path, context) => {
    const problem = unreadableFile(path);
    if (problem) context.addIssue({ code: 'custom', message: `must name a file this process can read: ${problem}` });
  });

/**
 * Variables whose value a refusal never quotes (a key, a password, JSON that may hold credentials),
 * each with what it says instead. Registered on the schema the environment's object holds.
 */
export const unquotedVariables = z.registry<{ instead: string }>();

// A refusal quotes at most this much of a value: enough to see the mistake, not a whole JSON document.
const QUOTED_MAX = 120;

/**
 * A URL's password hidden, as the database's connection messages hide it: after the user up to the
 * last "@" (a password may hold one unencoded), also in a URL too broken to parse, and in a
 * `password` parameter.
 */
function withoutPassword(value: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  const rest = value.slice(scheme.length);
  const [colon, at] = [rest.indexOf(':'), rest.lastIndexOf('@')];
  const hidden = colon >= 0 && colon < at ? `${rest.slice(0, colon)}:***${rest.slice(at)}` : rest;
  return `${scheme}${hidden}`.replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** The value of `name` as a refusal shows it: quoted, a password hidden, or said to be unset or left out. */
function valueRead(name: string, given: NodeJS.ProcessEnv, shape: Record<string, z.ZodType>): string {
  const value = given[name];
  if (value === undefined) return ' (unset)';
  const unquoted = shape[name] && unquotedVariables.get(shape[name]);
  if (unquoted) return ` (${unquoted.instead})`;
  const shown = withoutPassword(value);
  return `=${JSON.stringify(shown.length > QUOTED_MAX ? `${shown.slice(0, QUOTED_MAX)}…` : shown)}`;
}

export interface ParseEnvironmentOptions {
  /** How zod's issues are worded. */
  errorMap?: z.core.$ZodErrorMap;
  /** Lines said along with the refusals, when there are any (a variable that reads as a slip of one). */
  notes?: readonly string[];
}

/**
 * Parses a service's environment once at boot. A bad value stops the process with every problem
 * listed, each naming its variable and the value read, rather than surfacing later as a confusing failure.
 */
export function parseEnvironment<S extends z.ZodType>(service: string, schema: S, environment: NodeJS.ProcessEnv, { errorMap, notes = [] }: ParseEnvironmentOptions = {}): z.infer<S> {
  // An empty variable (a template that rendered nothing) counts as unset: its default applies, where a
  // number would otherwise read it as 0 (HOLDFAST_RATE_LIMIT_PER_MINUTE="" turned the limit off).
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value === undefined || value.trim() !== ''));
  const parsed = schema.safeParse(given, errorMap ? { error: errorMap } : undefined);
  if (parsed.success) return parsed.data;
  const shape: Record<string, z.ZodType> = schema instanceof z.ZodObject ? schema.shape : {};
  const problems = parsed.error.issues.map((issue) => {
    const [name, ...inside] = issue.path.map(String);
    return `${name}${valueRead(name, given, shape)}: ${inside.length > 0 ? `${inside.join('.')} ` : ''}${issue.message}`;
  });
  throw invalidConfiguration(service, [...problems, ...notes]);
}

/**
 * The one block a start refuses its configuration with, a line a problem (NAME="value": what is
 * wanted). The problems are kept on it, so a service's checks between variables, made once each
 * variable reads well, are said in one block with the notes its start adds (a misspelt variable).
 */
export class InvalidConfiguration extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`${service}: invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}\nFix the variables above (README.md lists each with its default).`);
  }
}

export function invalidConfiguration(service: string, problems: readonly string[]): InvalidConfiguration {
  return new InvalidConfiguration(service, problems);
}
