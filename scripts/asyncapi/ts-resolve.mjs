// Lets node's built-in type stripping run the contracts sources, whose imports omit the `.ts`
// extension (tsconfig is CommonJS): an extensionless relative import from a .ts file is retried
// as `<path>.ts`, then `<path>/index.ts`.
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
