import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { run } from './main';
import { closeStandIns, specIo, standInService } from './testing/stand-in-service';

/** Runs the CLI against one stand-in service for all three, answering every call with an empty list. */
async function holdfast(args: readonly string[], files: Record<string, string> = {}) {
  const service = await standInService(() => ({ body: { items: [], nextCursor: null } }));
  const { io, said } = specIo(files);
  const code = await run([...args, '--planner-url', service.url, '--analyzer-url', service.url, '--notifier-url', service.url], io);
  return { code, said, calls: service.asked.map(({ method, url }) => `${method} ${url}`) };
}

describe('holdfast command line: what it refuses before asking a service', () => {
  afterEach(closeStandIns);

  it('refuses a mistyped subcommand rather than running the list with the word ignored', async () => {
    for (const [args, message] of [
      [['windows', 'shwo', '0190e0c8-0000-7000-8000-000000000001'], 'unknown command "windows shwo"; did you mean "windows show"? run holdfast --help for the list'],
      [['surges', 'shwo', 'x'], 'unknown command "surges shwo"; did you mean "surges show"? run holdfast --help for the list'],
      [['windos', 'list'], 'unknown command "windos list"; did you mean "windows list"? run holdfast --help for the list'],
      [['hodls'], 'unknown command "hodls"; did you mean "holds"? run holdfast --help for the list'],
      // Cut short rather than mistyped: the one command whose name it begins.
      [['windows', 'suggest', '0190e0c8-0000-7000-8000-000000000001'], 'unknown command "windows suggest"; did you mean "windows suggestions"? run holdfast --help for the list'],
      [['subscriptions', 'rotate', '0190e0c8-0000-7000-8000-000000000001'], 'unknown command "subscriptions rotate"; did you mean "subscriptions rotate-secret"? run holdfast --help for the list'],
      // Cut short to what begins one name alone, it is that one, however close another is in spelling (list).
      [['windows', 'st'], 'unknown command "windows st"; did you mean "windows start"? run holdfast --help for the list'],
      // Begun by several, it names each of them rather than guess.
      [['windows', 's', '0190e0c8-0000-7000-8000-000000000001'], 'unknown command "windows s"; did you mean "windows show", "windows start", "windows skip" or "windows suggestions"? run holdfast --help for the list'],
      [['de'], 'unknown command "de"; did you mean "declarations", "deliveries" or "dead-letters"? run holdfast --help for the list'],
      // Followed by a flag the mistyped command takes, it is still the command that is mistyped, not the list's flag that is unknown.
      [['windows', 'star', '0190e0c8-0000-7000-8000-000000000001', '--occurrence', '3'], 'unknown command "windows star"; did you mean "windows start"? run holdfast --help for the list'],
      [['holds', 'overide', '0190e0c8-0000-7000-8000-000000000001', '--reason', 'x'], 'unknown command "holds overide"; did you mean "holds override"? run holdfast --help for the list'],
      [['holds', 'shwo', '0190e0c8-0000-7000-8000-000000000001'], 'unknown command "holds shwo"; did you mean "holds show"? run holdfast --help for the list'],
      [['dead-letters', 'rep', '--everything'], 'unknown command "dead-letters rep"; did you mean "dead-letters replay"? run holdfast --help for the list'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(said.out).toBe('');
      expect(calls).toEqual([]);
    }
  });

  it('refuses a word a command does not take, with its usage, and still takes the id one does', async () => {
    const listed = await holdfast(['windows', 'list', 'held']);
    expect(listed.code).toBe(ExitCode.usage);
    expect(listed.said.err).toBe('holdfast: unexpected argument "held"\nusage: holdfast windows list [--from TIME] [--to TIME] [--region IR] [--team T] [--status held|scheduled|needs-reschedule|in-progress|completed|cancelled] [--limit N]\n');
    const audit = await holdfast(['audit', '0190e0c8-0000-7000-8000-000000000001']);
    expect(audit.code).toBe(ExitCode.usage);
    expect(audit.said.err).toContain('unexpected argument "0190e0c8-0000-7000-8000-000000000001"\nusage: holdfast audit [--subject WINDOW_OR_HOLD_ID]');
    const two = await holdfast(['windows', 'show', 'a', 'b']);
    expect(two.said.err).toContain('unexpected argument "b"');
    expect(two.calls).toEqual([]);
    const shown = await holdfast(['declarations', 'show', '0190e0c8-0000-7000-8000-000000000001']);
    expect(shown.calls).toContain('GET /v1/declarations/0190e0c8-0000-7000-8000-000000000001');
    const listedByDefault = await holdfast(['surges', '--status', 'active']);
    expect(listedByDefault.code).toBe(ExitCode.ok);
  });

  it('exits 2 naming the file when --file cannot be read or is not YAML or JSON, never with a stack trace', async () => {
    const missing = await holdfast(['windows', 'create', '--file', 'window.yaml']);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.said.err).toBe("holdfast: cannot read --file window.yaml: ENOENT: no such file, open 'window.yaml'\n");
    const broken = await holdfast(['subscriptions', 'update', '0190e0c8-0000-7000-8000-000000000001', '--file', 'changes.yaml'], { 'changes.yaml': 'target: [unclosed\n' });
    expect(broken.code).toBe(ExitCode.usage);
    expect(broken.said.err).toMatch(/^holdfast: changes\.yaml is not YAML or JSON: .*line 2, column 1/);
    expect(broken.said.err).not.toMatch(/^\s+at /m);
    expect([...missing.calls, ...broken.calls]).toEqual([]);
  });

  it('exits 2 naming the flag when a whole number is not one, where the service would name its own field', async () => {
    const window = '0190e0c8-0000-7000-8000-0000000000f1';
    for (const [args, message] of [
      [['windows', 'start', window, '--occurrence', 'two'], '--occurrence must be a whole number of at least 1, not two'],
      [['holds', 'override', window, '--reason', 'fix', '--occurrence', '1.5'], '--occurrence must be a whole number of at least 1, not 1.5'],
      [['windows', 'update', window, '--version', 'v3', '--title', 'x'], '--version must be a whole number of at least 1, not v3'],
      [['windows', 'suggestions', window, '--count', 'three'], '--count must be a whole number of at least 1, not three'],
      [['dead-letters', 'replay', '--everything', '--limit', '0'], '--limit must be a whole number of at least 1, not 0'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(calls).toEqual([]);
    }
  });

  it('exits 1 naming the URL when a page of text answers where a list of JSON belongs, never with a stack trace', async () => {
    const signIn = await standInService(() => ({ text: '<html><body>Sign in to continue</body></html>', headers: { 'content-type': 'text/html' } }));
    const { io, said } = specIo();
    expect(await run(['holds', 'list', '--planner-url', signIn.url], io)).toBe(ExitCode.error);
    expect(said.err).toBe(
      `holdfast: ${signIn.url}/v1/holds?limit=500 answered 200 OK (text/html) without JSON: check the --planner-url, --analyzer-url or --notifier-url flag (HOLDFAST_*_URL) names the Holdfast service\n`,
    );
  });

  it("names the URL that answered a server error, so the failing service and what to do are plain", async () => {
    const failing = await standInService(() => ({ status: 500, body: { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'Something failed while answering; it is logged with this request.' } }));
    const { io, said } = specIo();
    expect(await run(['surges', '--analyzer-url', failing.url], io)).toBe(ExitCode.error);
    expect(said.err).toBe(
      `holdfast: Something failed while answering; it is logged with this request.\n  ${failing.url}/v1/surges?limit=500 answered 500 Internal Server Error: the service failed, not the command; try again, and if it lasts, that service's log says why\n`,
    );
  });
});
