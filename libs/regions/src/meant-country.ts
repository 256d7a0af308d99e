import { getAllCountries, getCountry } from 'countries-and-timezones';
// iso-3166-1 (ecrmnn): the maintained ISO 3166-1 table with alpha-3 codes, no dependencies (i18n-iso-countries' entry loads 70-odd locales at import).
import { whereAlpha3 } from 'iso-3166-1';
import leven from 'leven';

/** A country as a refusal names it: "Brazil's code is BR". */
export interface MeantCountry {
  code: string;
  name: string;
}

/** Codes people write for a country that ISO 3166-1 codes otherwise (it reserves UK and EL only exceptionally). */
const MISTAKEN_COUNTRY_CODES: Readonly<Record<string, MeantCountry>> = {
  UK: { code: 'GB', name: 'the United Kingdom' },
  EL: { code: 'GR', name: 'Greece' },
};

/** A name as people type it, whatever its case, spacing, punctuation or accents ("Côte d’Ivoire", "cote divoire"). */
const spelling = (name: string) => name.normalize('NFD').replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();

/** Edits a name may be from a country's and still read as a slip of it: none below four letters, two from eight on. */
const slipEdits = (spelt: string) => Math.min(2, Math.floor(spelt.length / 4));

/**
 * Each country's names by spelling: the data set's, and CLDR's (through Intl) in English and in the
 * country's likeliest language (Brasil, Deutschland). Listed once, on the first refusal that needs
 * them: loading the names of 90-odd languages takes 20-50 ms.
 */
let countriesByName: Map<string, Set<string>> | undefined;
function countryNames(): Map<string, Set<string>> {
  if (countriesByName) return countriesByName;
  const names = new Map<string, Set<string>>();
  const displayNames = new Map<string, Intl.DisplayNames>();
  const namesIn = (language: string) => {
    const inLanguage = displayNames.get(language) ?? new Intl.DisplayNames([language], { type: 'region', fallback: 'none' });
    displayNames.set(language, inLanguage);
    return inLanguage;
  };
  for (const country of Object.values(getAllCountries())) {
    const own = new Intl.Locale('und', { region: country.id }).maximize().language;
    for (const name of [country.name, namesIn('en').of(country.id), namesIn(own).of(country.id)]) {
      const spelt = name && spelling(name);
      if (spelt) names.set(spelt, (names.get(spelt) ?? new Set()).add(country.id));
    }
  }
  return (countriesByName = names);
}

/** The one country a name, or a slip of one, stands for; none where two are as close ("Austrlia": Austria and Australia). */
function countryNamed(asked: string): string | undefined {
  const spelt = spelling(asked);
  const slips = [...countryNames()].map(([name, codes]) => ({ codes, edits: leven(spelt, name) })).filter(({ edits }) => edits <= slipEdits(spelt));
  const fewest = Math.min(...slips.map(({ edits }) => edits));
  const closest = new Set(slips.filter(({ edits }) => edits === fewest).flatMap(({ codes }) => [...codes]));
  return closest.size === 1 ? [...closest][0] : undefined;
}

/**
 * The country an unknown region code most likely meant, if it can tell: a code ISO 3166-1 reserves
 * only exceptionally (UK), an alpha-3 code (BRA), or a country's name in English or its own
 * language, or a slip of one (Brasil, Brazl). Only read on a refusal.
 */
export function meantCountry(asked: string): MeantCountry | undefined {
  const mistaken = MISTAKEN_COUNTRY_CODES[asked.toUpperCase()];
  if (mistaken) return mistaken;
  const code = whereAlpha3(asked)?.alpha2 ?? countryNamed(asked);
  // Only a country the catalog has: Bouvet Island's BVT names none.
  const country = code === undefined ? null : getCountry(code);
  return country ? { code: country.id, name: country.name } : undefined;
}
