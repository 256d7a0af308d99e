import { z } from 'zod';

/** The analyzer's own variables, each with its documented default (README.md, Configuration). */
export const analyzerEnvironment = {
  // Placeholder rule until the seasonal detector is wired in: a sample at or above this value starts a surge.
  SURGE_THRESHOLD: z.coerce.number().positive().default(1_000),
};

export interface AnalyzerSettings {
  surgeThreshold: number;
}

export function analyzerSettings(env: z.infer<z.ZodObject<typeof analyzerEnvironment>>): AnalyzerSettings {
  return { surgeThreshold: env.SURGE_THRESHOLD };
}
