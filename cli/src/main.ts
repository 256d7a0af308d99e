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
import { connection } from './settings';

export const COMMANDS: Command[] = [gateCommand, ...windowCommands, ...holdCommands, auditCommand, ...declarationCommands, ...regionCommands, ...analyzerNotifierCommands, deadLettersCommand, deadLettersReplayCommand];

/** `holdfast surges` means `holdfast surges list`. */
const DEFAULT_SUBCOMMAND = 'list';

const GLOBAL_OPTIONS: OptionSpec = {
  'planner-url': { type: 'string' },
  'analyzer-url': { type: 'string' },
  'notifier-url': { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const GLOBAL_HELP = `Options for every command:
  --planner-url URL    HOLDFAST_PLANNER_URL   (default http://localhost:3001)
  --analyzer-url URL   HOLDFAST_ANALYZER_URL  (default http://localhost:3002)
  --notifier-url URL   HOLDFAST_NOTIFIER_URL  (default http://localhost:3003)
  --key KEY            HOLDFAST_KEY           (the API key, sent as a bearer token)
  --json               print the API's JSON instead of a table
Exit codes: 0 done or allowed, 1 error (the problem's detail is printed), 2 usage, 3 held (gate, windows start).
`;

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return `holdfast: plan maintenance windows and ask the gate before you start.\n\nCommands:\n${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}\n\n${GLOBAL_HELP}Run holdfast COMMAND --help for a command's flags.\n`;
}

function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const words = argv.slice(0, 2);
  const byName = (name: string) => COMMANDS.find((command) => command.name === name);
  const two = words.length === 2 ? byName(words.join(' ')) : undefined;
  if (two) return { command: two, rest: argv.slice(2) };
  const one = words[0] === undefined ? undefined : (byName(words[0]) ?? byName(`${words[0]} ${DEFAULT_SUBCOMMAND}`));
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

/** Runs one command line and says how the process should exit. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(helpText());
      return argv.length === 0 ? ExitCode.usage : ExitCode.ok;
    }
    const found = findCommand(argv);
    if (!found) throw new CliError(`unknown command "${argv.slice(0, 2).join(' ')}"; run holdfast --help for the list`, ExitCode.usage);
    const { command, rest } = found;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: [...rest], options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\nusage: ${command.usage}`, ExitCode.usage);
    }
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) {
      io.out(`usage: ${command.usage}\n${command.summary}\n\n${GLOBAL_HELP}`);
      return ExitCode.ok;
    }
    // A word the command does not take is a mistyped subcommand or a misplaced id: running the command without it would answer another question.
    const [extra] = parsed.positionals.slice(command.argument ? 1 : 0);
    if (extra !== undefined) {
      // `holdfast windows shwo ID` reached `windows list` by its default subcommand.
      const mistypedSubcommand = argv[1] === extra && argv[1] !== DEFAULT_SUBCOMMAND && command.name === `${argv[0]} ${DEFAULT_SUBCOMMAND}`;
      throw new CliError(mistypedSubcommand ? `unknown command "${argv[0]} ${extra}"; run holdfast --help for the list` : `unexpected argument "${extra}"\nusage: ${command.usage}`, ExitCode.usage);
    }
    const settings = connection(io.env, { plannerUrl: text(values, 'planner-url'), analyzerUrl: text(values, 'analyzer-url'), notifierUrl: text(values, 'notifier-url'), key: text(values, 'key') });
    const code = await command.run({ values, positionals: parsed.positionals, api: holdfastApi(settings), io, json: Boolean(values.json) });
    return typeof code === 'number' ? code : ExitCode.ok;
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`holdfast: ${error.message}\n`);
      return error.exitCode;
    }
    io.err(`holdfast: ${(error as Error).stack ?? String(error)}\n`);
    return ExitCode.error;
  }
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
