// `npm start` starts the services one by one, and a build stops at the first whose schema a newer
// release migrated. Asking each service's `migrate check` before every start would add about 2 s
// (each loads its whole build); asked only of the services not started once one refused, it costs
// nothing on an ordinary start, and one try names every schema to take back.
import { spawn } from 'node:child_process';
import { mainOf, ROOT } from './system-runner.mjs';

/** A service's refusal of a schema a newer release migrated (libs/database, newerSchemaProblem). */
export const NEWER_SCHEMA = /schema \S+ was migrated by a newer Holdfast release: [^\n]*/;

/**
 * `refusal` (why the first service refused to start), followed by what `migrate check` says of each
 * service in `notStarted`, run at once with the system's environment: those refusing too, and those
 * it could not check.
 */
export async function everyNewerSchema(refusal, notStarted, env, main = mainOf) {
  if (notStarted.length === 0) return refusal;
  const checks = await Promise.all(notStarted.map(async (name) => ({ name, ...(await migrateCheck(main(name), env)) })));
  const refused = checks.filter((check) => check.refusal).map((check) => `${check.name} refuses too (its migrate check): ${check.refusal}`);
  const unchecked = checks.filter((check) => check.failure).map((check) => `${check.name}: its schema could not be checked: ${check.failure}`);
  const fine = checks.filter((check) => !check.refusal && !check.failure).map((check) => check.name);
  if (refused.length === 0 && unchecked.length === 0) {
    return `${refusal}\n${fine.join(', ')}: ${fine.length === 1 ? "its schema is this build's (its migrate check)" : "their schemas are this build's (their migrate check)"}.`;
  }
  return [refusal, ...refused, ...unchecked, 'Take back every schema named above with the release that migrated it, then start again.'].join('\n');
}

/** Runs `node <main> migrate check`: its refusal of a newer schema, or why it failed otherwise, or nothing. */
function migrateCheck(main, env) {
  return new Promise((settle) => {
    const child = spawn(process.execPath, [main, 'migrate', 'check'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.once('error', (error) => settle({ failure: error.message }));
    child.once('exit', (code) => {
      if (code === 0) return settle({});
      const refusal = NEWER_SCHEMA.exec(stderr)?.[0];
      const said = stderr.split('\n').find((line) => line.startsWith('[migrate] failed: '));
      settle(refusal ? { refusal } : { failure: said?.slice('[migrate] failed: '.length) ?? `migrate check exited with code ${code}` });
    });
  });
}
