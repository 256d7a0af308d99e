// The programs the specs drive that npm cannot bring: Debian packages, installed by `npm test`
// itself on a machine that lacks them, so that the README's test command is all a fresh machine needs.
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Each program, the Debian package that brings it, the variable that names another build, and what needs it. */
export const TEST_TOOLS = [
  { program: 'java', debianPackage: 'openjdk-17-jre-headless', neededBy: 'the local Kafka broker' },
  { program: 'mvn', debianPackage: 'maven', neededBy: "fetching Kafka's jars from Maven Central" },
  { program: 'prometheus', debianPackage: 'prometheus', neededBy: 'the Prometheus intake and alert-chain specs, and promtool for the rules' },
  { program: 'prometheus-alertmanager', override: 'ALERTMANAGER_BINARY', debianPackage: 'prometheus-alertmanager', neededBy: 'the Alertmanager specs, and amtool for its config' },
  { program: 'chromium', override: 'HOLDFAST_CHROMIUM', debianPackage: 'chromium', neededBy: "the calendar page's browser spec" },
  { program: 'docker-compose', debianPackage: 'docker-compose', neededBy: 'validating docker-compose.yml without a Docker engine' },
  { program: 'curl', debianPackage: 'curl', neededBy: "the README walkthrough's spec, which runs its curl lines as written" },
  { program: 'jq', debianPackage: 'jq', neededBy: "the README walkthrough's spec" },
];

/** Whether `program` is an executable on PATH. */
export function onPath(program, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((folder) => {
    if (!folder) return false;
    try {
      accessSync(join(folder, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The tools a run would miss: neither on PATH nor named by their variable. */
export function missingTools(tools = TEST_TOOLS, { has = onPath, env = process.env } = {}) {
  return tools.filter((tool) => !(tool.override && env[tool.override]) && !has(tool.program));
}

/**
 * Installs the missing tools with apt-get when this process may (root, on Debian); otherwise says
 * the line to run. Returns the tools still missing: their specs fail, each naming its package.
 */
export function ensureTestTools(say, { missing = missingTools(), run = spawnSync, isRoot = process.getuid?.() === 0, hasAptGet = onPath('apt-get') } = {}) {
  if (missing.length === 0) return [];
  const packages = missing.map((tool) => tool.debianPackage);
  for (const tool of missing) say(`missing ${tool.program} (Debian package ${tool.debianPackage}), needed by ${tool.neededBy}`);
  const line = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (!hasAptGet || !isRoot) {
    say(`not installed: ${hasAptGet ? 'this needs root' : 'this machine has no apt-get'}. Run: ${hasAptGet ? 'sudo ' : ''}${line}; the specs that need them fail until then`);
    return missing;
  }
  say(`installing ${packages.join(' ')} with apt-get (a minute or two on a fresh machine)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...packages]]) {
    const result = run('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (result.status !== 0) {
      say(`apt-get ${args[0]} failed (${result.error?.message ?? `exit ${result.status}`}): run ${line} by hand and read its error; the specs that need these tools fail until then`);
      return missingTools(missing);
    }
  }
  const still = missingTools(missing);
  say(still.length === 0 ? `installed ${packages.join(' ')}` : `still missing after apt-get: ${still.map((tool) => tool.program).join(', ')}`);
  return still;
}
