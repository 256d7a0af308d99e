export * from './region-error';
export * from './region-catalog';
export { PRINCIPAL_ZONES } from './principal-zones';
export { canonicalZoneName, zoneLinks } from './zone-names';
