import { accessSync, constants, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/** What every service reads besides its database and Kafka settings. */
export const serviceEnvironmentSchema = (defaultPort: number) =>
  z.object({
    PORT: z.coerce.number().int().min(1).max(65_535).default(defaultPort),
    // An address, not a name: a container's hostname would bind one interface of several.
    LISTEN_ADDRESS: z
      .string()
      .refine((address) => isIP(address) !== 0, 'must be an IP address to listen on: 0.0.0.0 (every IPv4 interface), :: (every interface) or 127.0.0.1 (this machine only)')
      .default('0.0.0.0'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });

/** Why `path` is no file this process can read, or undefined when it is one. */
function unreadableFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `${path} is not a file`;
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${path} does not exist` : code === 'EACCES' ? `${path} is not readable by this process` : `${path} cannot be read (${code})`;
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
 * Parses a service's environment once at boot. A bad value stops the process with every problem
 * listed, rather than surfacing later as a confusing failure.
 */
export function parseEnvironment<S extends z.ZodType>(service: string, schema: S, environment: NodeJS.ProcessEnv, errorMap?: z.core.$ZodErrorMap): z.infer<S> {
  // An empty variable (a template that rendered nothing) counts as unset: its default applies, where a
  // number would otherwise read it as 0 (HOLDFAST_RATE_LIMIT_PER_MINUTE="" turned the limit off).
  const given = Object.fromEntries(Object.entries(environment).filter(([, value]) => value === undefined || value.trim() !== ''));
  const parsed = schema.safeParse(given, errorMap ? { error: errorMap } : undefined);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
  throw new Error(`${service}: invalid configuration:\n${problems}\nFix the variables above (README.md lists each with its default).`);
}
