import { IanaZoneSchema, RegionCodeSchema } from '@holdfast/contracts';
import { zodAnswerSchema } from '@holdfast/service-kit';
import { z } from 'zod';

/** A region of the catalog as GET /v1/regions lists it, in the contract's region code and zone names. */
export const RegionViewSchema = z.strictObject({
  code: RegionCodeSchema,
  name: z.string(),
  kind: z.enum(['country', 'custom']),
  zone: IanaZoneSchema.meta({ description: 'where its baselines and local times are counted' }),
  zones: z.array(IanaZoneSchema).meta({ description: 'every zone in use in it' }),
});

/** Every region, in one answer (the catalog is a few hundred). */
export const RegionsAnswerSchema = z.strictObject({ items: z.array(RegionViewSchema) }).meta({ id: 'Regions' });
export type RegionsAnswer = z.output<typeof RegionsAnswerSchema>;

/** The answer's schema for the OpenAPI document (one definition with the view's type). */
export const REGIONS_ANSWER = zodAnswerSchema(RegionsAnswerSchema);
