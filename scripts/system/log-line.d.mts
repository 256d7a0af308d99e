// Types for log-line.mjs, so its spec can use it from TypeScript.
export function readableLogLine(service: string, line: string): string;
