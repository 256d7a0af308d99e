import leven from 'leven';

// Units a name may be given without, or in another unit than the setting takes (TIMEOUT for TIMEOUT_MS).
const UNIT_SUFFIX = /_(MS|MILLIS|MILLISECONDS|S|SEC|SECS|SECONDS|MIN|MINS|MINUTES|H|HOURS|D|DAYS|BYTES|PERCENT)$/;

/** Edits a given name may be from a setting's and still read as a slip of it: none for PORT, two from ten letters on. */
const slipEdits = (name: string) => Math.min(2, Math.floor(name.length / 5));

/**
 * The setting `given` most likely meant, when it is not one of `known` but reads as a slip of one:
 * another case, a unit left out or swapped, or a couple of letters. Anything further is some other
 * program's variable, and none of Holdfast's business.
 */
export function meantVariable(given: string, known: readonly string[]): string | undefined {
  if (known.includes(given)) return undefined;
  const asked = given.toUpperCase();
  const unitless = asked.replace(UNIT_SUFFIX, '');
  const slips = known
    .map((name) => ({ name, edits: name === asked || name.replace(UNIT_SUFFIX, '') === unitless ? 0 : leven(asked, name) }))
    .filter(({ name, edits }) => edits <= slipEdits(name))
    .sort((one, other) => one.edits - other.edits);
  return slips[0]?.name;
}

/** Each variable set in `environment` that is not a setting but reads as a slip of one, with the one it meant. */
export function misspeltVariables(environment: NodeJS.ProcessEnv, known: readonly string[]): { given: string; meant: string }[] {
  return Object.keys(environment).flatMap((given) => {
    const meant = meantVariable(given, known);
    return meant ? [{ given, meant }] : [];
  });
}

/** What a start says of each slip in `environment`: that it is ignored, and the setting it likely meant. */
export function misspeltVariableNotes(service: string, environment: NodeJS.ProcessEnv, known: readonly string[]): string[] {
  return misspeltVariables(environment, known).map(({ given, meant }) => `${given} is not a variable ${service} reads, so it is ignored; did you mean ${meant}?`);
}
