import type { z } from 'zod';

/** One problem a check between variables finds, said under the variable to fix. */
export interface VariablesProblem<Env> {
  variable: keyof Env & string;
  /** What is wrong and what to do, after the variable and the value it read (`ANALYZER_DETECTION (JSON): ...`). */
  message: string;
}

/**
 * A check that needs two variables or more at once. It runs when each variable it `reads` read well,
 * even while others are refused, so its problems are said in the same refusal as theirs: made only
 * once every variable read well, it named its problem at a later start. While one it reads is
 * refused it is skipped, that refusal said instead.
 */
export interface CheckBetweenVariables<Env, Name extends keyof Env & string = keyof Env & string> {
  reads: readonly Name[];
  /**
   * `given` is the environment as set: for the part of a variable worth checking even when the rest of
   * it is refused (the keys of a JSON variable whose values are wrong), which the check then leaves out of `reads`.
   */
  problems(env: Pick<Env, Name>, given: NodeJS.ProcessEnv): VariablesProblem<Env>[];
}

/**
 * `schema` with `checks` made on the variables that read well. A refinement zod runs even after
 * refusals (`when`), where one would otherwise run only once the whole environment parsed.
 */
export function withChecksBetweenVariables<S extends z.ZodType<Record<string, unknown>>, Env>(schema: S, checks: readonly CheckBetweenVariables<Env>[], given: NodeJS.ProcessEnv): S {
  return schema.superRefine(
    (env, context) => {
      const refused = new Set(context.issues.map((issue) => issue.path?.[0]));
      for (const check of checks) {
        if (check.reads.some((name) => refused.has(name))) continue;
        // Only what it reads, each read well: a refused variable's value is zod's mark of a failed parse.
        const read = Object.fromEntries(check.reads.map((name) => [name, env[name]])) as Pick<Env, keyof Env & string>;
        for (const { variable, message } of check.problems(read, given)) context.addIssue({ code: 'custom', path: [variable], message });
      }
    },
    { when: () => true },
  );
}
