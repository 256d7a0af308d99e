import { isKnownZone } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import { CustomRegionsVariable, parseCustomRegions, RegionCatalog } from './region-catalog';
import { RegionErrorCode } from './region-error';

describe('RegionCatalog', () => {
  const catalog = new RegionCatalog(parseCustomRegions('[{"code":"eu-west","name":"Western Europe","zones":["Europe/Dublin","Europe/London"]}]'));

  it('knows every ISO 3166-1 alpha-2 country with a time zone (all 249 but uninhabited Bouvet Island), each with a valid principal zone among its zones', () => {
    const countries = catalog.list().filter((region) => region.kind === 'country');
    expect(countries.length).toBe(248);
    expect(catalog.find('BV')).toBeUndefined();
    for (const country of countries) {
      expect(country.code).toMatch(/^[A-Z]{2}$/);
      expect(isKnownZone(country.zone), `${country.code} ${country.zone}`).toBe(true);
      expect(country.zones).toContain(country.zone);
    }
  });

  it('counts Iran in Tehran, Nepal in Kathmandu, and multi-zone countries where most people live', () => {
    expect(catalog.get('IR')).toMatchObject({ name: 'Iran', zone: 'Asia/Tehran' });
    expect(catalog.zoneOf('NP')).toBe('Asia/Kathmandu');
    expect(catalog.zoneOf('US')).toBe('America/New_York');
    expect(catalog.zoneOf('DE')).toBe('Europe/Berlin');
    expect(catalog.get('US').zones).toContain('America/Los_Angeles');
  });

  it("names a country's zones as the country names them where tzdb merged them into another country's: the same clock since 1970", () => {
    expect([catalog.zoneOf('SE'), catalog.zoneOf('NO'), catalog.zoneOf('IS'), catalog.zoneOf('NL'), catalog.zoneOf('ER'), catalog.zoneOf('ML'), catalog.zoneOf('VI')]).toEqual([
      'Europe/Stockholm',
      'Europe/Oslo',
      'Atlantic/Reykjavik',
      'Europe/Amsterdam',
      'Africa/Asmara',
      'Africa/Bamako',
      'America/St_Thomas',
    ]);
    expect(catalog.get('SE').zones).toEqual(['Europe/Stockholm']);
    expect(catalog.get('CA').zones).toEqual(expect.arrayContaining(['America/Toronto', 'America/Atikokan', 'America/Creston', 'America/Blanc-Sablon']));
    expect(catalog.get('CA').zones).not.toContain('America/Panama');
    // Only where the country has a name of its own: Vietnam's far north-west keeps Bangkok's.
    expect(catalog.get('VN').zones).toContain('Asia/Bangkok');
    const at = Date.UTC(2026, 6, 1, 12);
    const clock = (zone: string) => new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(at);
    expect([clock(catalog.zoneOf('SE')), clock(catalog.zoneOf('IS'))]).toEqual([clock('Europe/Berlin'), clock('Africa/Abidjan')]);
    const merged = catalog.list().filter((region) => region.kind === 'country' && region.zones.some((zone) => catalog.countryOfZone(zone) !== region && catalog.countryOfZone(zone) !== undefined));
    expect(merged.map((region) => region.code)).toEqual(['AQ', 'AU', 'HM', 'TF', 'UA', 'VN']);
  });

  it('finds the country of any of its zones, aliases included, and none for a zone in no country', () => {
    const country = (zone: string) => catalog.countryOfZone(zone)?.code;
    expect([country('Asia/Tehran'), country('Australia/Perth'), country('Asia/Calcutta'), country('Asia/Kolkata'), country('Europe/Amsterdam'), country('US/Pacific')]).toEqual([
      'IR',
      'AU',
      'IN',
      'IN',
      'NL',
      'US',
    ]);
    expect([country('UTC'), country('Etc/GMT+5')]).toEqual([undefined, undefined]);
  });

  it('matches country codes whatever their case, and lists custom regions after countries', () => {
    expect(catalog.get('ir').code).toBe('IR');
    expect(catalog.get('eu-west')).toEqual({ code: 'eu-west', name: 'Western Europe', kind: 'custom', zone: 'Europe/Dublin', zones: ['Europe/Dublin', 'Europe/London'] });
    expect(catalog.list().at(-1)?.code).toBe('eu-west');
  });

  it('refuses unknown codes, naming every one of them', () => {
    expect(() => catalog.getAll(['IR', 'XX', 'mars-north'])).toThrow(expect.objectContaining({ code: RegionErrorCode.UnknownRegion, codes: ['XX', 'mars-north'], message: expect.stringContaining('XX, mars-north') }));
  });

  it('names the country meant by a code ISO 3166-1 reserves only exceptionally (UK for GB, EL for GR)', () => {
    expect(() => catalog.getAll(['uk', 'EL', 'XX'])).toThrow(
      expect.objectContaining({ codes: ['uk', 'EL', 'XX'], message: expect.stringMatching(/^Unknown regions uk, EL, XX \(the United Kingdom's code is GB; Greece's code is GR\): use an ISO 3166-1/) }),
    );
  });

  const refusal = (codes: string[]) => {
    try {
      catalog.getAll(codes);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error(`${codes.join(', ')} were all found`);
  };

  it('names the country meant by its ISO 3166-1 alpha-3 code, in any case', () => {
    expect(refusal(['BRA', 'deu', 'Usa', 'IRN'])).toMatch(
      /^Unknown regions BRA, deu, Usa, IRN \(Brazil's code is BR; Germany's code is DE; United States of America's code is US; Iran's code is IR\): use an ISO 3166-1 alpha-2/,
    );
    // Bouvet Island's BVT: a code ISO lists for a country the catalog does not have names none.
    expect(refusal(['BVT'])).toMatch(/^Unknown region BVT: use/);
  });

  it('names the country meant by its name in English or its own language, whatever the case, spacing or accents, once for all its spellings', () => {
    expect(refusal(['brazil', 'BRASIL', 'Deutschland', 'iran', 'united states', 'cote divoire', 'Sverige', 'españa'])).toMatch(
      /^Unknown regions brazil, BRASIL, Deutschland, iran, united states, cote divoire, Sverige, españa \(Brazil's code is BR; Germany's code is DE; Iran's code is IR; United States of America's code is US; Ivory Coast's code is CI; Sweden's code is SE; Spain's code is ES\): use/,
    );
    expect(refusal(['Netherlands', 'Philippines'])).toMatch(/\(Netherlands' code is NL; Philippines' code is PH\)/);
    // A name is a hint, never a code: the catalog still finds none by it.
    expect(catalog.find('Brazil')).toBeUndefined();
  });

  it('names the country a misspelt name meant when only one is that close, and none for a code that resembles no name', () => {
    expect(refusal(['Brazl', 'Untied States', 'Germny'])).toMatch(/^Unknown regions Brazl, Untied States, Germny \(Brazil's code is BR; United States of America's code is US; Germany's code is DE\): use/);
    // One letter from Austria and from Australia; one from Niger and from Nigeria.
    expect(refusal(['Austrlia', 'Nigera'])).toMatch(/^Unknown regions Austrlia, Nigera: use/);
    expect(refusal(['XX', 'mars-north', 'Brzl'])).toMatch(/^Unknown regions XX, mars-north, Brzl: use/);
  });

  it("says a list given where one code is asked for is that, and that the planner's GET /v1/regions lists the codes", () => {
    expect(() => catalog.get('IR,DE')).toThrow(
      expect.objectContaining({ codes: ['IR,DE'], message: "Unknown region IR,DE (IR,DE is 2 codes, where one is asked for): use an ISO 3166-1 alpha-2 country code (IR, US) or a custom region configured in HOLDFAST_CUSTOM_REGIONS (the maintenance-planner's GET /v1/regions lists them)." }),
    );
  });

  it('refuses custom regions that are malformed, collide, or name an unknown zone', () => {
    expect(() => parseCustomRegions('not json')).toThrow(expect.objectContaining({ code: RegionErrorCode.InvalidCustomRegion }));
    expect(() => parseCustomRegions('[{"code":"EU","name":"x","zones":["UTC"]}]')).toThrow(/custom region code/);
    expect(() => parseCustomRegions('[{"code":"eu-west","zones":["UTC"]}]')).toThrow('HOLDFAST_CUSTOM_REGIONS is invalid: 0.name is required but missing.');
    expect(() => new RegionCatalog([{ code: 'eu-west', name: 'x', zones: ['Europe/Dublinn'] }])).toThrow('Custom region eu-west names the zone "Europe/Dublinn", which must be an IANA time zone name: did you mean Europe/Dublin?');
    // As a window's planned zone is refused: the zone ICU reads an abbreviation as, named.
    expect(() => new RegionCatalog([{ code: 'us-west', name: 'x', zones: ['America/Los_Angeles', 'PST', '+02:00'] }])).toThrow(
      'Custom region us-west names the zone "PST", which must be an IANA time zone name, not an abbreviation: "PST" is read as America/Los_Angeles; write that (or the zone you meant); and the zone "+02:00", which must be an IANA time zone name such as Asia/Tehran, not an offset',
    );
    expect(() => new RegionCatalog([{ code: 'eu-west', name: 'x', zones: ['UTC'] }, { code: 'eu-west', name: 'y', zones: ['UTC'] }])).toThrow(/twice/);
    expect(parseCustomRegions(undefined)).toEqual([]);
  });

  it('checks HOLDFAST_CUSTOM_REGIONS whole as an environment variable, so boot lists its mistake with the others', () => {
    const problems = (text: string | undefined) => {
      const parsed = CustomRegionsVariable.safeParse(text);
      return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
    };
    expect(problems(undefined)).toEqual([]);
    expect(problems('[{"code":"eu-west","name":"Western Europe","zones":["Europe/Dublin"]}]')).toEqual([]);
    expect(problems('[{"code":"eu-west","zones":["UTC"]}]')).toEqual(['is invalid: 0.name is required but missing.']);
    expect(problems('[{"code":"eu-west","name":"x","zones":["Europe/Dublinn"]}]')).toEqual([expect.stringContaining('Europe/Dublinn')]);
    expect(problems('[{"code":"eu-west","name":"x","zones":["UTC"]},{"code":"eu-west","name":"y","zones":["UTC"]}]')).toEqual(['Custom region eu-west is defined twice.']);
  });
});
