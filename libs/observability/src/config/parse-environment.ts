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
