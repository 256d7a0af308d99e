import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CliError, ExitCode, type CliIo } from './cli-io';
import { holdfastApi } from './client/holdfast-api';
import { text, type Command, type OptionSpec } from './command';
import { analyzerNotifierCommands } from './commands/analyzer-notifier.command';
import { auditCommand } from './commands/audit.command';
import { deadLettersCommand, deadLettersReplayCommand } from './commands/dead-letters.command';
import { declarationCommands } from './commands/declarations.command';
import { gateCommand } from './commands/gate.command';
import { holdCommands } from './commands/holds.command';
import { regionCommands } from './commands/regions.command';
import { windowCommands } from './commands/windows.command';
import { connection, SERVICE_SETTINGS, type Connection } from './settings';

export const COMMANDS: Command[] = [gateCommand, ...windowCommands, ...holdCommands, auditCommand, ...declarationCommands, ...regionCommands, ...analyzerNotifierCommands, deadLettersCommand, deadLettersReplayCommand];

/** `holdfast surges` means `holdfast surges list`. */
const DEFAULT_SUBCOMMAND = 'list';

const GLOBAL_OPTIONS: OptionSpec = {
  'planner-url': { type: 'string' },
  'analyzer-url': { type: 'string' },
  'notifier-url': { type: 'string' },
  key: { type: 'string' },
  'request-timeout': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Options for every command:
  --planner-url URL     HOLDFAST_PLANNER_URL      (default http://localhost:3001)
  --analyzer-url URL    HOLDFAST_ANALYZER_URL     (default http://localhost:3002)
  --notifier-url URL    HOLDFAST_NOTIFIER_URL     (default http://localhost:3003)
  --key KEY             HOLDFAST_KEY              (the API key, sent as a bearer token)
  --request-timeout 30s HOLDFAST_REQUEST_TIMEOUT  (how long one call may wait for its answer; default 30s)
  --json                print the API's JSON instead of a table
Exit codes: 0 done or allowed, 1 error (the problem's detail is printed), 2 usage, 3 held (gate, windows start).
`;

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `holdfast: plan maintenance windows and ask the gate before you start.\n\nCommands:\n${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}\n\n${GLOBAL_HELP}Run holdfast COMMAND --help (or holdfast help COMMAND) for a command's flags.\n`;
}

/** The usage of each command the words name: `windows` names every windows command, `windows list` one. */
function commandHelp(named: string): string {
  const commands = COMMANDS.filter((command) => command.name === named || command.name.startsWith(`${named} `));
  return `${commands.map((command) => `usage: ${command.usage}\n${command.summary}\n`).join('\n')}\n${GLOBAL_HELP}`;
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

const isHelp = (word: string | undefined) => word === '--help' || word === '-h';

/** Runs one command line and says how the process should exit. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    // Help asked for is the answer (stdout, 0); a missing command is a usage error (stderr, 2), as an unknown one is.
    if (argv.length === 0) {
      io.err(helpText());
      return ExitCode.usage;
    }
    if (isHelp(argv[0]) || (argv[0] === 'help' && argv.length === 1)) {
      io.out(helpText());
      return ExitCode.ok;
    }
    // `holdfast help windows list` is `holdfast windows list --help`.
    if (argv[0] === 'help') return await run([...argv.slice(1), '--help'], io);
    const found = findCommand(argv);
    if (!found) {
      // The words before the first flag: `holdfast frobnicate --help` names frobnicate.
      const words = argv.slice(0, 2);
      const flagAt = words.findIndex((word) => word.startsWith('-'));
      const named = flagAt === -1 ? words : words.slice(0, flagAt);
      throw new CliError(named.length ? `unknown command "${named.join(' ')}"; run holdfast --help for the list` : `give a command before ${argv[0]}; run holdfast --help for the list`, ExitCode.usage);
    }
    const { command, typed, rest } = found;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\nusage: ${command.usage}`, ExitCode.usage);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    // A word the command does not take is a mistyped subcommand or a misplaced id: running the command without it would answer another question.
    const [extra] = parsed.positionals.slice(command.argument?.split(' ').length ?? 0);
    if (extra !== undefined) {
      // `holdfast windows shwo ID` reached `windows list` by its default subcommand.
      const mistypedSubcommand = argv[1] === extra && argv[1] !== DEFAULT_SUBCOMMAND && command.name === `${argv[0]} ${DEFAULT_SUBCOMMAND}`;
      throw new CliError(mistypedSubcommand ? `unknown command "${argv[0]} ${extra}"; run holdfast --help for the list` : `unexpected argument "${extra}"\nusage: ${command.usage}`, ExitCode.usage);
    }
    if (values.help) {
      io.out(commandHelp(typed));
      return ExitCode.ok;
    }
    const settings = connection(io.env, {
      plannerUrl: text(values, 'planner-url'),
      analyzerUrl: text(values, 'analyzer-url'),
      notifierUrl: text(values, 'notifier-url'),
      key: text(values, 'key'),
      requestTimeout: text(values, 'request-timeout'),
    });
    let lastAnswer: Response | undefined;
    const api = holdfastApi(settings, async (input, init) => (lastAnswer = await fetch(input, init)));
    try {
      const code = await command.run({ values, positionals: parsed.positionals, api, io, json: Boolean(values.json) });
      return typeof code === 'number' ? code : ExitCode.ok;
    } catch (error) {
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
    readFile: (path) => readFileSync(path, 'utf8'),
  };
}
