/** The CLI's version, as cli/package.json has it (version.spec.ts keeps the two the same): what a bug report names. */
export const CLI_VERSION = '0.1.0';
