import type { HoldfastApi } from '../client/holdfast-api';
import { zoneOfRegion, type ZoneOf } from './local-times';

/** Each region's principal zone from the planner's catalog (custom regions included), read once per command. */
export async function regionZones(api: HoldfastApi): Promise<ZoneOf> {
  try {
    const answer = await api.planner.GET('/v1/regions');
    if (!answer.response.ok) return zoneOfRegion;
    const zones = new Map(((answer.body as { items: { code: string; zone: string }[] }).items ?? []).map((region) => [region.code.toUpperCase(), region.zone]));
    return (region) => zones.get(region.toUpperCase()) ?? zoneOfRegion(region);
  } catch {
    return zoneOfRegion;
  }
}
