// Types for kept-secret.mjs, so TypeScript specs can use it.
/** The secret kept in `file`; when there is none, `make()` writes one, readable by this user only (0600). `made`: it was made now. */
export function keptSecret(file: string, make: () => string): { value: string; made: boolean };
