import { RegionError } from '@holdfast/regions';
import { TimeError } from '@holdfast/time';
import { DomainError } from './domain.error';

/**
 * Runs time arithmetic or a region lookup on one request field; a TimeError (unknown zone, bad
 * recurrence, empty range) or RegionError (unknown code) leaves as a 422 that names the field,
 * never as a 500.
 */
export function atField<T>(path: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof TimeError || error instanceof RegionError) {
      const regions = error instanceof RegionError && error.codes.length > 0 ? { regions: error.codes } : {};
      throw new DomainError(error.code, 422, `${path}: ${error.message}`, { errors: [{ path, code: error.code, message: error.message }], ...regions });
    }
    throw error;
  }
}
