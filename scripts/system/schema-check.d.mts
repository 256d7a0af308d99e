// Types for schema-check.mjs.
export const NEWER_SCHEMA: RegExp;
export function everyNewerSchema(refusal: string, notStarted: readonly string[], env: Record<string, string>, main?: (service: string) => string): Promise<string>;
