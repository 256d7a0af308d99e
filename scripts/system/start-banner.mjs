// What `npm start` prints once the services are up: where the admin key is, a hold to try, and
// where the CLI finds the services when it would not find them by itself.

/** Where the CLI (cli/src/settings.ts) calls each service unless told, and the variable that tells it: its spec keeps the two the same. */
export const CLI_URLS = [
  { service: 'maintenance-planner', variable: 'HOLDFAST_PLANNER_URL', url: 'http://localhost:3001' },
  { service: 'impact-analyzer', variable: 'HOLDFAST_ANALYZER_URL', url: 'http://localhost:3002' },
  { service: 'notifier', variable: 'HOLDFAST_NOTIFIER_URL', url: 'http://localhost:3003' },
];

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `url` reaches a service listening on `port` on this machine's loopback. */
function reaches(url, port) {
  try {
    const { hostname, port: given, protocol } = new URL(url);
    return protocol === 'http:' && LOOPBACK.has(hostname) && Number(given || 80) === port;
  } catch {
    return false;
  }
}

/** "a", "a and b", "a, b and c". */
const inWords = (parts) => (parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}` : parts.join(''));

/**
 * The export line that points the CLI at `services`, when the CLI would call another place for any
 * of them: a port of its own (MAINTENANCE_PLANNER_PORT...), or a HOLDFAST_*_URL of this shell.
 */
function cliUrlLines(services, env) {
  const wrong = CLI_URLS.flatMap(({ service, variable, url }) => {
    // As the CLI reads it: an empty variable counts as unset.
    const used = env[variable] || url;
    const running = services.find(({ name }) => name === service);
    return reaches(used, running.port) ? [] : [`the ${service} at ${used} (${env[variable] ? variable : 'its default'})`];
  });
  if (wrong.length === 0) return [];
  const exports = CLI_URLS.map(({ service, variable }) => `${variable}=${services.find(({ name }) => name === service).baseUrl}`);
  return [`the CLI (npx holdfast) calls ${inWords(wrong)} unless told; point it at these services:`, `  export ${exports.join(' ')}`];
}

/**
 * The lines after "ready", each printed after "[holdfast] ". `services`: the running services in
 * start order (planner, analyzer, notifier); `keyFile`: where the generated admin key is kept, or
 * undefined when HOLDFAST_BOOTSTRAP_KEY gave it; `from`: when the declaration to try begins; `env`:
 * npm start's environment.
 */
export function startBanner({ services, keyFile, from, env = {} }) {
  const [planner, analyzer] = services;
  const until = new Date(from.getTime() + 2 * 3_600_000);
  // Shown as the variable or the file to read, never the key: this output ends up in terminals' scrollback, CI logs and log shippers.
  const shown = keyFile === undefined ? '"$HOLDFAST_BOOTSTRAP_KEY"' : `$(cat '${keyFile.replace(/'/g, "'\\''")}')`;
  return [
    `admin key: ${keyFile === undefined ? 'HOLDFAST_BOOTSTRAP_KEY from the environment' : `kept in ${keyFile}`}`,
    'all three services are up. Try a hold: declare a critical period for IR, then see the hold it places:',
    `  export HOLDFAST_KEY=${shown}`,
    `  curl -s -XPOST ${analyzer.baseUrl}/v1/declarations -H "authorization: Bearer $HOLDFAST_KEY" -H 'content-type: application/json' \\`,
    `    -d '{"regions":["IR"],"from":"${from.toISOString()}","until":"${until.toISOString()}","reason":"election in IR","severity":"major"}'`,
    `  curl -s -H "authorization: Bearer $HOLDFAST_KEY" ${planner.baseUrl}/v1/holds`,
    ...cliUrlLines(services, env),
    'Ctrl-C stops them.',
  ];
}
