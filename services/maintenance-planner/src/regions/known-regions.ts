import { type RegionCatalog, RegionError } from '@holdfast/regions';
import { DomainError } from '@holdfast/service-kit';

/**
 * The catalog's codes for `codes` (a country's in any case), or a 422 naming every unknown one at
 * once at `path`, the field or query parameter that carried it.
 */
export function knownRegionCodes(catalog: RegionCatalog, codes: readonly string[], path: string): string[] {
  try {
    return catalog.getAll(codes).map((region) => region.code);
  } catch (error) {
    if (error instanceof RegionError) {
      throw new DomainError(error.code, 422, error.message, { errors: error.codes.map((code) => ({ path, code: error.code, message: `unknown region ${code}` })) });
    }
    throw error;
  }
}
