import { createHash, randomUUID } from 'node:crypto';
import { CliError, type CliIo } from '../cli-io';
import { formatDuration } from '../duration';
import type { Connection } from '../settings';
import type { paths as AnalyzerPaths } from './generated/analyzer';
import type { paths as NotifierPaths } from './generated/notifier';
import type { paths as PlannerPaths } from './generated/planner';
import { createTypedClient, CUT_OFF, networkErrorCode, NoAnswer, type ApiAnswer, type RetryNotice, type RetryPolicy, type TypedClient } from './typed-client';

export interface HoldfastApi {
  planner: TypedClient<PlannerPaths>;
  analyzer: TypedClient<AnalyzerPaths>;
  notifier: TypedClient<NotifierPaths>;
  /** The command's Idempotency-Keys come from one a person gave: an earlier run of it may have used them, on requests it chose then. */
  givenIdempotencyKey: boolean;
}

/** What a command run again must name the same to get the same keys: its name, and its arguments with the flags that say what it acts on. */
export interface CommandSubject {
  name: string;
  subject: readonly string[];
}

// Enough to tell apart the few commands of one name a job runs under one key; short, so a key of 200 characters still fits the services' 255.
const SUBJECT_DIGEST_LENGTH = 12;

/**
 * The key of a command's first POST from the run's key K: K, the command's name, and a digest of
 * what it acts on ("deploy-4711/windows-start/5d41402abc4b"), so one K given a whole job
 * (HOLDFAST_IDEMPOTENCY_KEY) gives `windows start ID` and `windows complete ID` keys of their own,
 * and the same command run again the same ones.
 */
export function commandKey(run: string, { name, subject }: CommandSubject): string {
  const command = `${run}/${name.replaceAll(' ', '-')}`;
  return subject.length === 0 ? command : `${command}/${createHash('sha256').update(subject.join(' ')).digest('hex').slice(0, SUBJECT_DIGEST_LENGTH)}`;
}

/** What a command that sends calls again needs: its pauses, its clock, and where it says why it waits. */
export type RetryIo = Pick<CliIo, 'sleep' | 'now' | 'err'>;

/**
 * The three services' clients for one run of a command. Its POSTs carry Idempotency-Keys from the
 * run's key (the one given, else a new UUID) and, when given, the command (`commandKey`), so each
 * may be sent again, as may GETs, PUTs and DELETEs, when `retryIo` is given and the service could
 * not take it (connection lost, 502-504, 429).
 */
export function holdfastApi(connection: Connection, fetchImpl?: typeof fetch, retryIo?: RetryIo, command?: CommandSubject): HoldfastApi {
  const run = connection.idempotencyKey ?? randomUUID();
  const first = command ? commandKey(run, command) : run;
  // Counted across the three services: the command's n-th POST, wherever it goes, has the same key each time the command runs.
  let posts = 0;
  const keyOf = (post: number) => (post === 1 ? first : `${first}/${post}`);
  const idempotencyKeys = { run, next: () => keyOf(++posts), last: () => keyOf(Math.max(posts, 1)) };
  const retry = (service: string): RetryPolicy | undefined =>
    retryIo && { retries: connection.retries, sleep: (ms) => retryIo.sleep(ms), now: () => retryIo.now(), onRetry: (notice) => retryIo.err(`holdfast: ${retryText(service, notice)}\n`) };
  const client = <P>(service: keyof Connection['urls']) =>
    createTypedClient<P>({ baseUrl: connection.urls[service], key: connection.key, fetch: fetchImpl, timeoutMs: connection.requestTimeoutMs, idempotencyKeys, retry: retry(service) });
  return {
    planner: client<PlannerPaths>('maintenance-planner'),
    analyzer: client<AnalyzerPaths>('impact-analyzer'),
    notifier: client<NotifierPaths>('notifier'),
    givenIdempotencyKey: connection.idempotencyKey !== undefined,
  };
}

/** Why a call is sent again and when: "the maintenance-planner answered 503: PostgreSQL is away; sending it again in 5s (retry 1 of 2)". */
function retryText(service: string, { answer, cause, url, pauseMs, retry, retries }: RetryNotice): string {
  const what = answer
    ? `the ${service} answered ${answer.response.status}${isProblem(answer.body) ? `: ${answer.body.detail ?? answer.body.title}` : ` ${answer.response.statusText}`}`
    : `no answer from the ${service} at ${url} (${whyNoAnswer(cause)})`;
  return `${what}; sending it again in ${formatDuration(pauseMs)} (retry ${retry} of ${retries})`;
}

/** An RFC 9457 problem document as the services send it. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: { path?: string; message?: string }[];
  [extension: string]: unknown;
}

export function isProblem(body: unknown): body is Problem {
  return typeof body === 'object' && body !== null && ('detail' in body || 'title' in body) && 'status' in body;
}

/** The flag that sets each top-level field of a request body, for a command that builds it from flags. */
export type FieldFlags = Readonly<Record<string, string>>;

/**
 * What a person reads when a call fails: the problem's detail, the code and each field named, with
 * the flag that sets it when the command has one (the API's names are also a file's keys).
 */
export function problemText(answer: ApiAnswer, flags: FieldFlags = {}): string {
  const { body, response } = answer;
  if (!isProblem(body)) {
    const said = typeof body === 'string' ? gist(body) : '';
    return `${response.url} answered ${response.status} ${response.statusText}${said ? `: ${said}` : ''}`;
  }
  const head = `${body.detail ?? body.title}${body.code ? ` (${body.code})` : ''}`;
  const fieldLines = (body.errors ?? []).map((error) => {
    const flag = error.path ? flags[error.path.split('.')[0]] : undefined;
    return `  ${error.path ?? ''}${flag ? ` (${flag})` : ''}: ${error.message ?? ''}`;
  });
  // A 503 says what is away in its detail; any other server error's detail alone does not say which service failed.
  const serverError = response.status >= 500 && response.status !== 503 ? [`  ${response.url} answered ${response.status} ${response.statusText}: the service failed, not the command; try again, and if it lasts, that service's log says why`] : [];
  const advice = body.code ? FROM_THE_CLI[body.code] : undefined;
  const fromHere = advice && withNamesAsked(typeof advice === 'function' ? advice(body, flags, { url: response.url, service: answer.service }) : advice, response.url);
  // A DELETE sent again after its first was cut off finds what that first did: not found, or already done.
  const doneBefore = answer.afterCutOff && [404, 409].includes(response.status) ? ['  an earlier attempt of this call was cut off before its answer came, and may have done it already'] : [];
  return [head, ...fieldLines, ...(fromHere ? [`  from the CLI: ${fromHere}`] : []), ...doneBefore, ...serverError].join('\n');
}

/**
 * Advice with the ID and run number the refused call named (its path's) in place of the placeholders, so what it says
 * can be typed as it is; kept where the call named none (a window being planned has no id yet).
 */
function withNamesAsked(advice: string, url: string): string {
  const path = new URL(url).pathname;
  const id = /^\/v1\/[a-z-]+\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i.exec(path)?.[1];
  const run = /\/occurrences\/(\d+)(?:\/|$)/.exec(path)?.[1];
  return advice.replace(/\bID\b/g, (placeholder) => id ?? placeholder).replace(/--occurrence N\b/g, (placeholder) => (run ? `--occurrence ${run}` : placeholder));
}

/** The call refused: its URL, and the service `reach` asked there. */
interface Asked {
  url: string;
  service?: string;
}

/** What to do from the CLI: a command, or one worded from the problem, the flags of the command that met it and the call refused. */
type CliAdvice = string | ((problem: Problem, flags: FieldFlags, asked: Asked) => string);

/** A window's id in the path asked: the window exists, where a window being planned has none yet. */
const WINDOW_IN_PATH = /\/v1\/windows\/[0-9a-f-]{36}(?:\/|$)/i;

/** The services word their advice for HTTP (a header, a route to GET, a body field); the command that does the same here, by problem code. */
const FROM_THE_CLI: Readonly<Record<string, CliAdvice>> = {
  'missing-key': 'give the key in HOLDFAST_KEY, or read it from standard input with --key -',
  'window-not-found': 'holdfast windows list lists the windows',
  'occurrence-not-found': 'holdfast windows occurrences ID lists the runs of window ID',
  'hold-not-found': 'holdfast holds list lists the holds',
  'version-required': 'give --version N, the version holdfast windows show ID prints',
  'stale-version': 'holdfast windows show ID prints the version now; give it with --version N',
  'unknown-region': 'holdfast regions lists the regions',
  'subscription-not-found': 'holdfast subscriptions list lists the subscriptions',
  'delivery-not-found': 'holdfast deliveries list lists the deliveries',
  'surge-not-found': 'holdfast surges list lists the surges',
  'declaration-not-found': 'holdfast declarations list lists the declarations',
  'occurrence-not-due': 'holdfast windows occurrences ID says when each run is; to run sooner, holdfast windows update ID --version N --start ... --end ... moves the window (its version: holdfast windows show ID)',
  // Planning or handing over for another team is refused with "Set ownerTeam to ...": the command's flag for that field, where it has one.
  'other-team': ({ ownerTeam, detail }, flags) => {
    const ownTeam = flags.ownerTeam && detail?.includes('ownerTeam') ? `give ${flags.ownerTeam} your key's own team, or ` : '';
    return `${ownTeam}use ${typeof ownerTeam === 'string' ? `a key of team ${ownerTeam}` : 'a team key'} or an admin key (in HOLDFAST_KEY, or read from standard input with --key -)`;
  },
  'window-in-hold': ({ holds }, _flags, { url }) => {
    // Not the gate: asked about the regions now, it answers allowed for a hold that begins later, as this one may.
    const held = Array.isArray(holds) ? (holds as { until?: string | null }[]) : [];
    const ends = held.every((hold) => typeof hold.until === 'string') ? held.map((hold) => hold.until as string).sort().at(-1) : undefined;
    const after = ends ? `; the holds end by ${ends}` : '';
    const override = 'to go ahead in the hold anyway, give --file a YAML file holding override: {reason: TEXT} (a key with holds:override)';
    // Slots are proposed for a window planned already: one being planned has no id to ask them for.
    const elsewhen = WINDOW_IN_PATH.test(new URL(url).pathname) ? 'holdfast windows suggestions ID proposes the least harmful slots' : 'plan it outside the holds (holdfast holds list --active lists them)';
    return `${elsewhen}${after}; ${override}`;
  },
  // Another service on the URL the command sends this service's calls to (it knows none of its routes), or one older than the CLI.
  'no-such-route': (_problem, _flags, { url, service }) => {
    const setting = service ? `--${urlFlag(service)} or ${urlVariable(service)} names the ${service}` : 'the --planner-url, --analyzer-url or --notifier-url flag (HOLDFAST_*_URL) names the service';
    const { origin, pathname } = new URL(url);
    return `check ${setting}: the service at ${origin} has no route ${pathname} (another of Holdfast's services, or one older than this CLI)`;
  },
  'missing-scope': ({ requiredScope }) => {
    const scope = typeof requiredScope === 'string' ? requiredScope : 'SCOPE';
    return `use a key with scope ${scope} (in HOLDFAST_KEY, or read from standard input with --key -); an admin key makes one: holdfast keys create --team TEAM --scopes ${scope} --name NAME`;
  },
  // The refusal does not name the channel: a webhook's secret is rotated, a Grafana or Alertmanager token replaced (secret-not-rotatable otherwise).
  'subscription-exists': ({ subscriptionId }) => {
    const id = typeof subscriptionId === 'string' ? subscriptionId : 'SUBSCRIPTION_ID';
    return `holdfast subscriptions show ${id} shows the one there is; holdfast subscriptions rotate-secret ${id} gives a webhook a new secret if it was lost, holdfast subscriptions update ${id} --secret - a Grafana or Alertmanager one its new token; holdfast subscriptions update ${id} --file changes.yaml changes its filters, or holdfast subscriptions delete ${id} deletes it first`;
  },
  'idempotency-key-reused': `the key was used for another request of a command of this name and subject (the detail names it): run that command as it was to have its answer again, or give this one a key of its own with --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY)`,
  'delivery-subscription-disabled': ({ subscriptionId }) =>
    `holdfast subscriptions update ${typeof subscriptionId === 'string' ? subscriptionId : 'SUBSCRIPTION_ID'} --enabled true turns the subscription on; then holdfast deliveries replay ID, if the detail says to replay it`,
  'subscription-disabled': 'holdfast subscriptions update ID --enabled true turns it on; then holdfast subscriptions test ID',
  'window-cancelled': 'holdfast windows create plans a new window',
  'occurrence-not-startable': ({ occurrenceStatus }) => RUN_NOT_STARTABLE[String(occurrenceStatus)] ?? RUN_LISTED,
  'occurrence-not-in-progress': ({ occurrenceStatus }) => RUN_NOT_IN_PROGRESS[String(occurrenceStatus)] ?? RUN_LISTED,
  'exdate-names-moved-run': 'holdfast windows occurrences ID lists where each run is now',
  'recurrence-count-restarts': 'give --rrule with the change: the rule with the COUNT the detail names keeps the series as long, the rule as it is runs it that many times more',
  'hold-released': 'holdfast audit --subject ID says who released it and why; holdfast holds declare places a new hold if the regions need one again',
  'surge-of-declaration': ({ declarationId }) =>
    `holdfast declarations cancel ${typeof declarationId === 'string' ? declarationId : 'DECLARATION_ID'} cancels the declaration, clearing its surge in every region it names`,
  'surge-of-lost-signal': ({ region, metric }) => {
    const series = typeof region === 'string' && typeof metric === 'string' ? `${region} ${metric}` : 'REGION METRIC';
    return `it clears when the samples arrive again; if the series will not come back, holdfast regions retire-series ${series} --reason TEXT retires it, clearing this surge (an admin key)`;
  },
  'unknown-key': 'holdfast keys list lists the keys',
};

const RUN_LISTED = 'holdfast windows occurrences ID says what each run is now';
const PLANNED_ANEW = 'holdfast windows update ID --start ... --end ... moves the window to a new time (holdfast windows create, once it is cancelled)';
/** A run that cannot start, by its status: what to type instead. */
const RUN_NOT_STARTABLE: Readonly<Record<string, string>> = {
  'in-progress': 'holdfast windows complete ID --occurrence N completes it when the work is done',
  completed: 'holdfast windows create plans a new window for more work',
  missed: PLANNED_ANEW,
  cancelled: `${RUN_LISTED}; a run skipped comes back by holdfast windows update ID --file with its date out of exdates`,
};
/** A run that cannot be completed, by its status. */
const RUN_NOT_IN_PROGRESS: Readonly<Record<string, string>> = {
  scheduled: 'holdfast windows start ID --occurrence N starts it first',
  held: 'holdfast windows start ID --occurrence N starts it once the gate allows it',
  missed: PLANNED_ANEW,
  cancelled: PLANNED_ANEW,
};

const GIST_LENGTH = 200;

/**
 * What a page of text or HTML where a problem belongs says (a proxy's 502 page, a stack trace): its
 * title, or its first line with words in it, cut short, never the whole page.
 */
function gist(text: string): string {
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
  const line =
    (title ?? text)
      .split(/\r?\n/)
      .map((part) => part.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim())
      .find(Boolean) ?? '';
  return line.length > GIST_LENGTH ? `${line.slice(0, GIST_LENGTH)}…` : line;
}

/**
 * A command run again under its Idempotency-Key whose first answer held a secret shown only once (a key, a signing
 * secret), which the services do not keep: refused with when it was done, and the caller says how to find what it made.
 */
export function shownOnceBefore(answer: ApiAnswer, fromTheCli: string): CliError | undefined {
  const code = (answer.body as { code?: unknown } | undefined)?.code;
  return answer.response.status === 409 && code === 'answer-shown-once' ? new CliError(`${problemText(answer)}\n  from the CLI: ${fromTheCli}`) : undefined;
}

/** The body of a successful answer, or a CliError with the problem's detail. */
export function expectOk<T>(answer: ApiAnswer, flags?: FieldFlags): T {
  if (!answer.response.ok) throw new CliError(problemText(answer, flags));
  // Text where JSON belongs is not a Holdfast service answering (a proxy's sign-in page, another server on the port).
  if (typeof answer.body === 'string') throw new CliError(notTheService(answer, 'JSON', 'the --planner-url, --analyzer-url or --notifier-url flag (HOLDFAST_*_URL)'));
  return answer.body as T;
}

/** A success from something other than the service: where it came from, what was missing, and the setting that names the service. */
export function notTheService({ response }: ApiAnswer, expected: string, setting: string): string {
  return `${response.url} answered ${response.status} ${response.statusText} (${response.headers.get('content-type') ?? 'no content type'}) without ${expected}: check ${setting} names the Holdfast service`;
}

/** Calls a service, turning "nothing answers there" into an error naming the service, its URL and the setting. */
export async function reach(call: () => Promise<ApiAnswer>, service: string): Promise<ApiAnswer> {
  try {
    return { ...(await call()), service };
  } catch (error) {
    if (!(error instanceof NoAnswer)) throw error;
    if (error.timedOutAfterMs !== undefined) {
      throw new CliError(
        `the ${service} at ${error.url} gave no answer within ${formatDuration(error.timedOutAfterMs)}: it may be overloaded or stuck; ${rerun(error, 'try again')}, or give it longer with --request-timeout or HOLDFAST_REQUEST_TIMEOUT`,
      );
    }
    const why = whyNoAnswer(error.cause);
    // Refused or never resolved, the request never reached the service; cut off, it may have been done.
    const mayHaveBeenDone = CUT_OFF.includes(why);
    throw new CliError(`cannot reach the ${service} at ${error.baseUrl} (${why}): is it running? check --${urlFlag(service)} or ${urlVariable(service)}${mayHaveBeenDone ? `; ${rerun(error, 'then run the command again')}` : ''}`);
  }
}

/** How to send a POST that got no answer again without doing it twice. */
function rerun(error: NoAnswer, advice: string): string {
  return error.rerunKey === undefined ? advice : `${advice} with --idempotency-key ${error.rerunKey}: what it did, if it did, is answered instead of done twice`;
}

/** ECONNREFUSED, ENOTFOUND, or the request's own deadline passing. */
function whyNoAnswer(failure: unknown): string {
  const error = failure as { name?: string; message?: string; cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (error.name === 'TimeoutError') return 'no answer in time';
  return networkErrorCode(failure) ?? error.cause?.message ?? error.message ?? String(failure);
}

const urlFlag = (service: string) => `${service === 'maintenance-planner' ? 'planner' : service === 'impact-analyzer' ? 'analyzer' : 'notifier'}-url`;
const urlVariable = (service: string) => `HOLDFAST_${urlFlag(service).replace('-url', '').toUpperCase()}_URL`;
