import { parseArgs } from 'node:util';
import leven from 'leven';
import type { OptionSpec } from './command';

// A flag this close to one the command takes is that one mistyped (--stauts, --region for --regions); further, a guess misleads.
const MEANT_FLAG_MAX_EDITS = 2;

/** The flag `typed` (without its dashes), or the command, most likely meant among `names`, if one is close enough. */
export function meantFlag(typed: string, names: readonly string[]): string | undefined {
  const [closest] = names.map((name) => ({ name, edits: leven(typed, name) })).sort((a, b) => a.edits - b.edits);
  // Half of a short flag changed is another word, not a typo: --to is not --team.
  return closest && closest.edits <= MEANT_FLAG_MAX_EDITS && closest.edits < typed.length / 2 ? closest.name : undefined;
}

/**
 * What node's strict parse refused in `args`, said for this command line; undefined when it is none
 * of these. Node words an unknown flag (ERR_PARSE_ARGS_UNKNOWN_OPTION) as advice on positionals
 * starting with '-', and a flag's value (ERR_PARSE_ARGS_INVALID_OPTION_VALUE) in terms of `<value>`;
 * the same checks are made here on a lenient parse's tokens, which name the flag. Every command takes
 * positionals, so ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL never comes: a word too many is refused after,
 * with the command's arguments.
 */
export function flagMistake(args: readonly string[], options: OptionSpec, commandName: string): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const { rawName, value } = token;
    const option = options[token.name];
    if (!option) {
      const meant = meantFlag(token.name, Object.keys(options));
      return `unknown option ${rawName} for ${commandName}${meant ? `; did you mean --${meant}?` : ''}`;
    }
    if (option.type === 'boolean') {
      if (value !== undefined) return `${rawName} takes no value: write ${rawName} alone, not ${rawName}=${value}`;
    } else if (value === undefined) {
      return `${rawName} needs a value`;
    } else if (!token.inlineValue && value.length > 1 && value.startsWith('-')) {
      return `${rawName} has no value before ${value}: give it one, or write ${rawName}=${value} if that is its value`;
    }
  }
  return undefined;
}
