import { RegionCodeSchema, zoneNameRefusal } from '@holdfast/contracts';
import { getAllCountries, getTimezone } from 'countries-and-timezones';
import { z } from 'zod';
import { meantCountry } from './meant-country';
import { PRINCIPAL_ZONES } from './principal-zones';
import { RegionError, RegionErrorCode } from './region-error';
import { tzdbZones } from './zone-names';

export interface Region {
  /** ISO 3166-1 alpha-2 for a country ("IR"), lower-case kebab for a custom region ("eu-west"). */
  code: string;
  name: string;
  kind: 'country' | 'custom';
  /** Where hour-of-week baselines and local times are counted. */
  zone: string;
  /** Every IANA zone in use in the region. */
  zones: readonly string[];
}

/** A custom region as configured: `[{"code":"eu-west","name":"Western Europe","zones":["Europe/Dublin","Europe/London"]}]`; the first zone is its principal one. */
export const CustomRegionSchema = z.strictObject({
  // The contract's region code, minus the two-letter country form.
  code: RegionCodeSchema.refine((code) => !/^[A-Z]{2}$/.test(code), 'a custom region code is lower-case, 3-32 characters, such as eu-west (two upper-case letters are country codes)'),
  name: z.string().min(1).max(200),
  zones: z.array(z.string().min(1)).min(1),
});
export type CustomRegion = z.infer<typeof CustomRegionSchema>;

/** Parses HOLDFAST_CUSTOM_REGIONS (a JSON array); unset means none. Errors name the entry and what is wrong. */
export function parseCustomRegions(text: string | undefined): CustomRegion[] {
  if (!text?.trim()) return [];
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new RegionError(RegionErrorCode.InvalidCustomRegion, `HOLDFAST_CUSTOM_REGIONS is not JSON (${(error as Error).message}); write an array such as [{"code":"eu-west","name":"Western Europe","zones":["Europe/Dublin"]}].`);
  }
  const parsed = z.array(CustomRegionSchema).safeParse(raw, { error: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required but missing' : undefined) });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(the whole value)'} ${issue.message}`).join('; ');
    throw new RegionError(RegionErrorCode.InvalidCustomRegion, `HOLDFAST_CUSTOM_REGIONS is invalid: ${problems}.`);
  }
  return parsed.data;
}

// Names tzdb keeps for a place zone.tab lists under another: an older spelling (Africa/Asmera), or a second place (Atlantic/Jan_Mayen).
const NOT_IN_ZONE_TAB = new Set([
  'Africa/Asmera',
  'Africa/Timbuktu',
  'America/Coral_Harbour',
  'America/Virgin',
  'Antarctica/South_Pole',
  'Atlantic/Jan_Mayen',
  'Iceland',
  'Pacific/Ponape',
  'Pacific/Truk',
  'Pacific/Yap',
]);

/** Each country's own name for a zone tzdb merged into another country's, by the zone it links to and the country. */
const ownZoneNames = new Map<string, string>(
  Object.values(tzdbZones).flatMap((zone): [string, string][] => {
    const country: string | undefined = zone.countries[0];
    const merged = zone.aliasOf && country !== undefined && tzdbZones[zone.aliasOf]?.countries[0] !== country && !NOT_IN_ZONE_TAB.has(zone.name);
    return merged ? [[`${zone.aliasOf} ${country}`, zone.name]] : [];
  }),
);

/**
 * The country's own name for one of its zones: tzdb merges a zone into another country's when their
 * clocks have agreed since 1970, keeping the country's name as a link (Europe/Stockholm to
 * Europe/Berlin, Atlantic/Reykjavik to Africa/Abidjan). The same clock, so the same local times, but
 * a Swede reads "Europe/Stockholm" where "Europe/Berlin" would look like a mistake.
 */
const ownZoneName = (zone: string, country: string): string => (getTimezone(zone)?.countries[0] === country ? zone : (ownZoneNames.get(`${zone} ${country}`) ?? zone));

/** Countries from the maintained data set, each with its zones under its own names and its principal zone. */
function countryRegions(): Region[] {
  return Object.values(getAllCountries()).map((country) => {
    const zones = country.timezones.length > 0 ? country.timezones.map((zone) => ownZoneName(zone, country.id)) : [PRINCIPAL_ZONES[country.id]];
    const native = zones.find((zone) => getTimezone(zone)?.countries?.[0] === country.id);
    const zone = PRINCIPAL_ZONES[country.id] ?? native ?? zones[0];
    return { code: country.id, name: country.name, kind: 'country' as const, zone, zones: zones.includes(zone) ? zones : [zone, ...zones] };
  });
}

/**
 * The regions Holdfast knows. Built once at start-up; a lookup by code is a map read. Country
 * codes are matched case-insensitively ("ir" is IR); custom codes as configured.
 */
export class RegionCatalog {
  private readonly byCode = new Map<string, Region>();

  constructor(custom: readonly CustomRegion[] = []) {
    for (const region of countryRegions()) this.byCode.set(region.code, region);
    for (const entry of custom) {
      // Worded as a window's planned zone is refused, each zone named: the rule is the contracts' (isZoneName).
      const refused = entry.zones.flatMap((zone) => {
        const refusal = zoneNameRefusal(zone);
        return refusal === undefined ? [] : [`the zone "${zone}", which ${refusal}`];
      });
      if (refused.length > 0) throw new RegionError(RegionErrorCode.InvalidCustomRegion, `Custom region ${entry.code} names ${refused.join('; and ')}`);
      if (this.byCode.has(entry.code)) throw new RegionError(RegionErrorCode.InvalidCustomRegion, `Custom region ${entry.code} is defined twice.`);
      this.byCode.set(entry.code, { code: entry.code, name: entry.name, kind: 'custom', zone: entry.zones[0], zones: [...entry.zones] });
    }
  }

  /** Every region, countries first by code, then custom ones. */
  list(): Region[] {
    return [...this.byCode.values()].sort((a, b) => (a.kind === b.kind ? a.code.localeCompare(b.code) : a.kind === 'country' ? -1 : 1));
  }

  find(code: string): Region | undefined {
    return this.byCode.get(code) ?? this.byCode.get(code.toUpperCase());
  }

  /** The region for a code, or a RegionError naming the code the catalog did not know. */
  get(code: string): Region {
    return this.getAll([code])[0];
  }

  /** Every region for a list of codes; one error naming all unknown codes at once. */
  getAll(codes: readonly string[]): Region[] {
    const found = codes.map((code) => this.find(code));
    const unknown = codes.filter((_, index) => !found[index]);
    if (unknown.length > 0) {
      // Brazil, Brasil and BRA are one hint.
      const meant = new Set(
        unknown.flatMap((code) => {
          // A list filter given a list (region=IR,DE): each of its codes may be known.
          if (code.includes(',')) return [`${code} is ${code.split(',').length} codes, where one is asked for`];
          const country = meantCountry(code);
          // Netherlands' code, not Netherlands's.
          return country ? [`${country.name}${country.name.endsWith('s') ? "'" : "'s"} code is ${country.code}`] : [];
        }),
      );
      throw new RegionError(
        RegionErrorCode.UnknownRegion,
        `Unknown region${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${meant.size > 0 ? ` (${[...meant].join('; ')})` : ''}: use an ISO 3166-1 alpha-2 country code (IR, US) or a custom region configured in HOLDFAST_CUSTOM_REGIONS (the maintenance-planner's GET /v1/regions lists them).`,
        unknown,
      );
    }
    return found as Region[];
  }

  /**
   * The country a zone is in, by tzdb's zone table (not only a principal zone: Australia/Perth is
   * AU), so an alias is in its own country too (Asia/Calcutta IN, Europe/Amsterdam NL, where the
   * zone it links to, Europe/Brussels, is BE's); undefined for a zone in no country (UTC, Etc/GMT+5).
   */
  countryOfZone(zone: string): Region | undefined {
    const code = getTimezone(zone)?.countries[0];
    return code === undefined ? undefined : this.byCode.get(code);
  }

  /** The zone a region's hour of week and local times are counted in. */
  zoneOf(code: string): string {
    return this.get(code).zone;
  }
}

/**
 * HOLDFAST_CUSTOM_REGIONS as a service's environment reads it: checked whole at boot (the JSON, each
 * entry, the zones, codes given twice) and given parsed, so a mistake is listed with the other
 * variables' and the catalog is built from the regions without reading the text again.
 */
export const CustomRegionsVariable = z
  .string()
  .optional()
  .transform((text, context): CustomRegion[] => {
    try {
      const regions = parseCustomRegions(text);
      new RegionCatalog(regions);
      return regions;
    } catch (error) {
      if (!(error instanceof RegionError)) throw error;
      context.addIssue({ code: 'custom', message: error.message.replace(/^HOLDFAST_CUSTOM_REGIONS /, '') });
      return z.NEVER;
    }
  });
