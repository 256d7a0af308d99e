import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { CliError, ExitCode, UsageError, withControlsShown, type CliIo } from './cli-io';
import { holdfastApi } from './client/holdfast-api';
import { LONGEST_RETRY_PAUSE_MS } from './client/typed-client';
import { CLI_VERSION } from './version';
import { FROM_STDIN, secretText, text, type Command, type OptionSpec } from './command';
import { analyzerNotifierCommands } from './commands/analyzer-notifier.command';
import { auditCommand } from './commands/audit.command';
import { deadLettersCommand, deadLettersReplayCommand } from './commands/dead-letters.command';
import { declarationCommands } from './commands/declarations.command';
import { gateCommand } from './commands/gate.command';
import { holdCommands } from './commands/holds.command';
import { regionCommands } from './commands/regions.command';
import { windowCommands } from './commands/windows.command';
import { flagMistake, meantFlag } from './flag-mistakes';
import { connection, DEFAULT_REQUEST_TIMEOUT, DEFAULT_RETRIES, SERVICE_SETTINGS, type Connection } from './settings';

export const COMMANDS: Command[] = [gateCommand, ...windowCommands, ...holdCommands, auditCommand, ...declarationCommands, ...regionCommands, ...analyzerNotifierCommands, deadLettersCommand, deadLettersReplayCommand];

/** The flags that read their secret from standard input when given `-` (a Slack subscription's target is its credential): it holds one, so one of them may. */
const STDIN_SECRETS = ['key', 'secret', 'target'];

/** `holdfast surges` means `holdfast surges list`. */
const DEFAULT_SUBCOMMAND = 'list';

const GLOBAL_OPTIONS: OptionSpec = {
  'planner-url': { type: 'string' },
  'analyzer-url': { type: 'string' },
  'notifier-url': { type: 'string' },
  key: { type: 'string' },
  'request-timeout': { type: 'string' },
  'idempotency-key': { type: 'string' },
  retries: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
};


/** The commands that wait longer than 30s for an answer by default, with how long: "dead-letters replay 10m". */
const slowCommands = () =>
  COMMANDS.filter((command) => command.requestTimeout)
    .map((command) => `${command.name} ${command.requestTimeout}`)
    .join(', ');

const GLOBAL_HELP = `Options for every command, before or after it:
  --planner-url URL     HOLDFAST_PLANNER_URL      (default http://localhost:3001)
  --analyzer-url URL    HOLDFAST_ANALYZER_URL     (default http://localhost:3002)
  --notifier-url URL    HOLDFAST_NOTIFIER_URL     (default http://localhost:3003)
  --key -               HOLDFAST_KEY              (the API key, sent as a bearer token; safer in HOLDFAST_KEY or read from
                                                   standard input with --key -: a key written after --key shows in ps and shell history)
  --request-timeout 30s HOLDFAST_REQUEST_TIMEOUT  (how long one call may wait for its answer; default ${DEFAULT_REQUEST_TIMEOUT},
                                                   and for what a service answers slowly by design: ${slowCommands()})
  --idempotency-key K   HOLDFAST_IDEMPOTENCY_KEY  (the command's POSTs carry keys made from K, its name and what it acts on:
                                                   K/windows-start/5d41402abc4b, then .../2...: the same command run again with K
                                                   is answered as it was the first time, not done again, and one K serves a whole
                                                   job; a new UUID when unset, named when a POST got no answer)
  --retries ${DEFAULT_RETRIES}           HOLDFAST_RETRIES          (how many more times a call is sent when its service could not take it: no
                                                   connection, 502-504, 429, pausing as its Retry-After asks up to ${LONGEST_RETRY_PAUSE_MS / 1000}s, else
                                                   1s, 2s...; GET, PUT, DELETE and POST (under its key), never PATCH; 0 sends once)
  --json                print the API's JSON instead of a table
  --version, -V         print the CLI's version (alone, before any command)
TIME is an instant with its offset (RFC 3339): 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00; it is sent in UTC.
Exit codes: 0 done or allowed, 1 error (the problem's detail is printed), 2 usage, 3 held (gate, windows start).
`;

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `holdfast: plan maintenance windows and ask the gate before you start.\n\nCommands:\n${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}\n\n${GLOBAL_HELP}Run holdfast COMMAND --help (or holdfast help COMMAND) for a command's flags.\n`;
}

/** The usage of each command the words name: `windows` names every windows command, `windows list` one. */
function commandHelp(named: string): string {
  const commands = COMMANDS.filter((command) => command.name === named || command.name.startsWith(`${named} `));
  const waits = (command: Command) => (command.requestTimeout ? `each call waits up to ${command.requestTimeout} for its answer (--request-timeout or HOLDFAST_REQUEST_TIMEOUT sets another)\n` : '');
  return `${commands.map((command) => `usage: ${command.usage}\n${command.summary}\n${waits(command)}`).join('\n')}\n${GLOBAL_HELP}`;
}

/** The command the first words name and the words as typed (`surges` reaches `surges list`), with the rest of the line. */
function findCommand(argv: readonly string[]): { command: Command; typed: string; rest: string[] } | undefined {
  const words = argv.slice(0, 2);
  const byName = (name: string) => COMMANDS.find((command) => command.name === name);
  const two = words.length === 2 ? byName(words.join(' ')) : undefined;
  if (two) return { command: two, typed: two.name, rest: argv.slice(2) };
  const one = words[0] === undefined ? undefined : (byName(words[0]) ?? byName(`${words[0]} ${DEFAULT_SUBCOMMAND}`));
  return one ? { command: one, typed: words[0], rest: argv.slice(1) } : undefined;
}

/**
 * A command line naming no command, with the ones it most likely means: those whose name it begins, its last word cut
 * short (`windows st` for `windows start`, `windows s` naming each of show, start, skip and suggestions), else the one
 * closest in spelling (`windos list`, `holds relase`), when one is close.
 */
function unknownCommand(typed: string): CliError {
  const names = typed.includes(' ') ? COMMANDS.map((command) => command.name) : [...new Set(COMMANDS.map((command) => command.name.split(' ')[0]))];
  const begun = names.filter((name) => name.startsWith(typed));
  const meant = begun.length > 0 ? begun : [meantFlag(typed, names)].filter((name) => name !== undefined);
  const quoted = meant.map((name) => `"${name}"`);
  const guess = quoted.length === 0 ? '' : quoted.length === 1 ? `did you mean ${quoted[0]}? ` : `did you mean ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}? `;
  return new CliError(`unknown command "${typed}"; ${guess}run holdfast --help for the list`, ExitCode.usage);
}

const isHelp = (word: string | undefined) => word === '--help' || word === '-h';
const isVersion = (word: string) => word === '--version' || word === '-V';

const versionWithCommand = (flag: string) => new CliError(`${flag} prints the CLI's version and takes no command: run holdfast ${flag} alone`, ExitCode.usage);

/** `--json` and `-h` take no value; `--planner-url URL` takes the next word unless written `--planner-url=URL`. */
function globalOption(word: string): { takesValue: boolean } | undefined {
  const name = word.startsWith('--') ? word.slice(2).split('=')[0] : Object.keys(GLOBAL_OPTIONS).find((option) => `-${GLOBAL_OPTIONS[option].short}` === word);
  const option = name === undefined ? undefined : GLOBAL_OPTIONS[name];
  return option && { takesValue: option.type === 'string' && !word.includes('=') };
}

/**
 * The options for every command written before it (`holdfast --json holds`), apart from the words
 * from the command on. A command's own flag there is refused by name rather than read as the command.
 */
function splitLeadingOptions(argv: readonly string[]): { leading: string[]; named: string[]; words: string[] } {
  const named: string[] = [];
  let at = 0;
  while (at < argv.length && argv[at].startsWith('-')) {
    const name = argv[at].split('=')[0];
    const option = globalOption(argv[at]);
    if (!option) throw new CliError(`unknown option ${name} before the command: only the options for every command go there (holdfast --help lists them); give a command's own options after it`, ExitCode.usage);
    named.push(name);
    at += option.takesValue ? 2 : 1;
  }
  return { leading: argv.slice(0, at), named, words: argv.slice(at) };
}

/** Runs one command line and says how the process should exit. */
export async function run(argv: readonly string[], given: CliIo): Promise<number> {
  const io = withControlsShown(given);
  try {
    // Help asked for is the answer (stdout, 0); a missing command is a usage error (stderr, 2), as an unknown one is.
    if (argv.length === 0) {
      io.err(helpText());
      return ExitCode.usage;
    }
    const { leading, named, words } = splitLeadingOptions(argv);
    if (words.length === 0 && named.some(isHelp)) {
      io.out(helpText());
      return ExitCode.ok;
    }
    const version = named.find(isVersion);
    if (version && words.length === 0) {
      io.out(`holdfast ${CLI_VERSION} (Node ${process.versions.node})\n`);
      return ExitCode.ok;
    }
    // Read beside a command, it would be ignored and the command run: a job would take that for the version asked.
    if (version) throw versionWithCommand(version);
    if (words.length === 0) throw new CliError(`give a command after ${named.join(' ')}; run holdfast --help for the list`, ExitCode.usage);
    if (words[0] === 'help' && words.length === 1) {
      io.out(helpText());
      return ExitCode.ok;
    }
    // `holdfast help windows list` is `holdfast windows list --help`.
    if (words[0] === 'help') return await run([...words.slice(1), '--help'], io);
    const found = findCommand(words);
    if (!found) {
      // The words before the first flag: `holdfast frobnicate --help` names frobnicate.
      const typed = words.slice(0, 2);
      const flagAt = typed.findIndex((word) => word.startsWith('-'));
      throw unknownCommand((flagAt === -1 ? typed : typed.slice(0, flagAt)).join(' '));
    }
    const { command, typed, rest } = found;
    // `holdfast windows star ID --occurrence 3` reached `windows list` by its default subcommand, which takes no word: said
    // as the command mistyped before its flags are read, or they would be refused as flags of the list.
    if (typed === words[0] && command.name === `${typed} ${DEFAULT_SUBCOMMAND}` && rest[0] !== undefined && !rest[0].startsWith('-')) throw unknownCommand(`${typed} ${rest[0]}`);
    let parsed: ReturnType<typeof parseArgs>;
    // Those written before the command first, so one written again after it wins, as a flag repeated does.
    const args = [...leading, ...rest];
    const options = { ...GLOBAL_OPTIONS, ...command.options };
    try {
      parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${flagMistake(args, options, command.name) ?? (error as Error).message}\nusage: ${command.usage}`, ExitCode.usage);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    // A word the command does not take (a misplaced id, a subcommand after a flag): running the command without it would answer another question.
    const [extra] = parsed.positionals.slice(command.argument?.split(' ').length ?? 0);
    if (extra !== undefined) throw new CliError(`unexpected argument "${extra}"\nusage: ${command.usage}`, ExitCode.usage);
    if (values.help) {
      io.out(commandHelp(typed));
      return ExitCode.ok;
    }
    // The global --version, which a command with a --version of its own (windows update) takes for that.
    if (values.version === true) throw versionWithCommand(rest.find(isVersion) ?? '--version');
    const fromStdin = STDIN_SECRETS.filter((name) => values[name] === FROM_STDIN);
    if (fromStdin.length > 1) {
      const instead = fromStdin.includes('key') ? 'give the key in HOLDFAST_KEY instead' : 'give one of them in --file instead';
      throw new CliError(`${fromStdin.map((name) => `--${name} -`).join(' and ')} would ${fromStdin.length === 2 ? 'both' : 'all'} read standard input: ${instead}`, ExitCode.usage);
    }
    const settings = connection(
      io.env,
      {
        plannerUrl: text(values, 'planner-url'),
        analyzerUrl: text(values, 'analyzer-url'),
        notifierUrl: text(values, 'notifier-url'),
        key: await secretText(values, io, 'key', 'API key'),
        requestTimeout: text(values, 'request-timeout'),
        idempotencyKey: text(values, 'idempotency-key'),
        retries: text(values, 'retries'),
      },
      command.requestTimeout,
    );
    let lastAnswer: Response | undefined;
    const subject = [...parsed.positionals, ...(command.actsOn ?? []).flatMap((flag) => flagWords(values, flag))];
    const api = holdfastApi(settings, async (input, init) => (lastAnswer = await fetch(input, init)), io, { name: command.name, subject });
    try {
      const code = await command.run({ values, positionals: parsed.positionals, api, io, json: Boolean(values.json) });
      return typeof code === 'number' ? code : ExitCode.ok;
    } catch (error) {
      if (error instanceof UsageError) throw new CliError(`${error.message}\nusage: ${command.usage}`, ExitCode.usage);
      // JSON of another shape (`{}` from another service on the port) fails where the command reads it: say who answered, not where the CLI tripped.
      if (error instanceof TypeError && lastAnswer?.ok) throw new CliError(notOfItsShape(lastAnswer, settings, error));
      throw error;
    }
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`holdfast: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`holdfast: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.error;
  }
}

/** A flag as written, for what a command acts on: `--occurrence 2`, `--dead`, nothing when not given. */
function flagWords(values: Record<string, string | boolean | undefined>, flag: string): string[] {
  const value = values[flag];
  if (value === undefined || value === false) return [];
  return value === true ? [`--${flag}`] : [`--${flag}`, value];
}

/** A success whose JSON the command could not read: the URL that sent it, and the setting that names that service. */
function notOfItsShape(response: Response, settings: Connection, error: TypeError): string {
  const setting = SERVICE_SETTINGS.find(([service]) => response.url.startsWith(settings.urls[service]));
  const check = setting ? `--${setting[1]} or ${setting[2]}` : 'the --planner-url, --analyzer-url or --notifier-url flag (HOLDFAST_*_URL)';
  return `${response.url} answered ${response.status} ${response.statusText} with JSON that is not the answer this command reads (${error.message}): check ${check} names the Holdfast service`;
}

/**
 * Writes to a stream whose reader may leave (`holdfast audit | head`): what follows is dropped, and
 * the command goes on to its exit code (a held gate's 3), where an unhandled EPIPE would end the
 * process with a stack trace and exit 1.
 */
function writer(stream: NodeJS.WriteStream): (chunk: string) => void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return (chunk) => {
    if (!stream.destroyed) stream.write(chunk);
  };
}

/** The process's own input and output. */
export function processIo(): CliIo {
  return {
    out: writer(process.stdout),
    err: writer(process.stderr),
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    abortAfter: (ms) => AbortSignal.timeout(ms),
    readFile: (path) => readFileSync(path, 'utf8'),
    readLine: () => firstLine(process.stdin),
  };
}

/** The first line of `input` (a pipe, a file, or a terminal where a person pastes it and presses Enter), then no more is read. */
async function firstLine(input: NodeJS.ReadStream): Promise<string> {
  if (input.isTTY) process.stderr.write('reading the secret from standard input (one line; Ctrl-D for none): ');
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}
