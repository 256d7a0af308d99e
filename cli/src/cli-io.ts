/** What a command touches outside itself, so specs can run the CLI in-process and read what it said. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** Waits between gate polls; specs keep the real one. */
  sleep(ms: number): Promise<void>;
  now(): number;
  readFile(path: string): string;
  /** The first line of standard input without its line break, '' when it has none: a secret given as `-`. */
  readLine(): Promise<string>;
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
