import type { z } from 'zod';
import { surgeStateSchema } from './surge-state.v1';

/** A changed assessment (severity, evidence, expected end) of a surge already started. */
export const SurgeUpdatedSchema = surgeStateSchema();
export type SurgeUpdated = z.infer<typeof SurgeUpdatedSchema>;
