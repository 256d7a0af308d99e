#!/usr/bin/env node
// `npx holdfast ...` from a clone: node's type stripping runs the CLI's TypeScript sources
// directly; their imports omit the `.ts` extension, so a resolve hook adds it.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.') || !context.parentURL?.endsWith('.ts')) throw error;
      for (const candidate of [`${specifier}.ts`, `${specifier}/index.ts`]) {
        try {
          return nextResolve(candidate, context);
        } catch {
          // try the next candidate
        }
      }
      throw error;
    }
  },
});

const { run, processIo } = await import('../src/main.ts');
process.exitCode = await run(process.argv.slice(2), processIo());
