/** What a command touches outside itself, so specs can run the CLI in-process and read what it said. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Waits between gate polls; specs move their own clock by it instead. */
  sleep(ms: number): Promise<void>;
  now(): number;
  /** A signal that aborts `ms` from now, as AbortSignal.timeout's does: a gate wait's deadline, which cuts a check under way. */
  abortAfter(ms: number): AbortSignal;
  readFile(path: string): string;
  /** The first line of standard input without its line break, '' when it has none: a secret given as `-`. */
  readLine(): Promise<string>;
}

// Terminal controls but the line break and tab: C0, DEL and C1 (U+009B is CSI to some terminals).
// eslint-disable-next-line no-control-regex -- control characters are what is being replaced
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text with every terminal control as its `\u001b` escape, JSON's own, so a `--json` answer stays JSON. */
export const controlsShown = (text: string): string => text.replace(CONTROLS, (control) => `\\u${control.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * What a command says with every terminal control shown as its escape: names, keys and reasons come from producers and
 * receivers outside, and one carrying ESC [2J would clear the operator's screen or forge rows.
 */
export function withControlsShown(io: CliIo): CliIo {
  return { ...io, out: (text) => io.out(controlsShown(text)), err: (text) => io.err(controlsShown(text)) };
}

/** Exit codes a CI job can branch on. */
export const ExitCode = {
  ok: 0,
  error: 1,
  usage: 2,
  held: 3,
} as const;

/** An error whose message is what the person should read; `exitCode` says how the process ends. */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = ExitCode.error) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** An argument or flag the command was given wrong: the command's usage line, printed after it, shows how to give it. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, ExitCode.usage);
  }
}

/** A flag or argument the command cannot do without is missing. */
export class MissingInputError extends UsageError {}
