// Types for start-banner.mjs, so its spec can use it from TypeScript.
export const CLI_URLS: ReadonlyArray<{ service: string; variable: string; url: string }>;
export function startBanner(options: { services: ReadonlyArray<{ name: string; port: number; baseUrl: string }>; keyFile: string | undefined; from: Date; env?: Record<string, string | undefined> }): string[];
