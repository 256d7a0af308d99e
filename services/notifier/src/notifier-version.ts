/** The notifier's version, as the root package.json has it (notifier-version.spec.ts keeps the two the same): what its requests to receivers name. */
export const NOTIFIER_VERSION = '0.1.0';
