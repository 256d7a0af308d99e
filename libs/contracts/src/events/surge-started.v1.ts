import type { z } from 'zod';
import { surgeStateSchema } from './surge-state.v1';

export const SurgeStartedSchema = surgeStateSchema();
export type SurgeStarted = z.infer<typeof SurgeStartedSchema>;
