import { CliError, MissingInputError } from '../cli-io';
import type { operations as AnalyzerOperations } from '../client/generated/analyzer';
import { expectOk, reach } from '../client/holdfast-api';
import type { ApiAnswer } from '../client/typed-client';
import { flagOneOf, printJson, text, utcInstant, wholeNumber, type Command, type CommandContext } from '../command';
import { utcTime } from '../output/local-times';
import { table } from '../output/table';
import { noteMore, readPages } from '../pages';
import { SERVICE_SETTINGS, SLOW_REQUEST_TIMEOUT } from '../settings';

type DeadLetterList = AnalyzerOperations['DeadLettersController_list'];
type DeadLetterQuery = NonNullable<DeadLetterList['parameters']['query']>;
// Every service serves the same endpoint from the service kit; the analyzer's document types it for all three.
type DeadLetterAnswer = DeadLetterList['responses'][200]['content']['application/json'];
type ListedLetter = DeadLetterAnswer['items'][number];
/** Bytes of a message as the service shows them: text, or base64 when they are not. */
type MessageBytes = ListedLetter['key'];
type DeadLetterReplay = AnalyzerOperations['DeadLettersController_replay'];
type ReplayRequest = DeadLetterReplay['requestBody']['content']['application/json'];
type ReplayOutcome = DeadLetterReplay['responses'][200]['content']['application/json'];

/** Each service's own dead letters, by the name --service takes. */
const SERVICES = {
  analyzer: 'impact-analyzer',
  planner: 'maintenance-planner',
  notifier: 'notifier',
} as const;
type ServiceFlag = keyof typeof SERVICES;

// A contract violation lists every field it found wrong: enough of it to see which, in a table a terminal shows.
const REASON_WIDTH = 160;
const shortened = (reason: string) => (reason.length > REASON_WIDTH ? `${reason.slice(0, REASON_WIDTH - 1)}…` : reason);
const shown = (bytes: MessageBytes | null) => (bytes === null ? '-' : typeof bytes === 'string' ? bytes : `base64:${bytes.base64}`);

const serviceOf = (context: CommandContext): ServiceFlag => flagOneOf(context.values, 'service', Object.keys(SERVICES) as ServiceFlag[]) ?? 'analyzer';

function ask(context: CommandContext, service: ServiceFlag, query: DeadLetterQuery): Promise<ApiAnswer> {
  const params = { params: { query } };
  const call = {
    analyzer: () => context.api.analyzer.GET('/v1/dead-letters', params),
    planner: () => context.api.planner.GET('/v1/dead-letters', params),
    notifier: () => context.api.notifier.GET('/v1/dead-letters', params),
  }[service];
  return reach(call, SERVICES[service]);
}

function replayRound(context: CommandContext, service: ServiceFlag, body: ReplayRequest): Promise<ApiAnswer> {
  const call = {
    analyzer: () => context.api.analyzer.POST('/v1/dead-letters/replay', { body }),
    planner: () => context.api.planner.POST('/v1/dead-letters/replay', { body }),
    notifier: () => context.api.notifier.POST('/v1/dead-letters/replay', { body }),
  }[service];
  return reach(call, SERVICES[service]);
}

/**
 * Refuses another service answering at the URL the named one's calls go to: every service serves /v1/dead-letters, so
 * its own letters would be listed, or replayed, under the named one's name. A route only the named one serves says which
 * answers, before anything is sent (no header or /health says it); an answer other than a 404 is the named one's.
 */
async function assertTheServiceAnswers(context: CommandContext, service: ServiceFlag, what: 'listed' | 'replayed'): Promise<void> {
  const params = { params: { query: { limit: 1 } } };
  const call = {
    analyzer: () => context.api.analyzer.GET('/v1/surges', params),
    planner: () => context.api.planner.GET('/v1/holds', params),
    notifier: () => context.api.notifier.GET('/v1/subscriptions', params),
  }[service];
  const answer = await reach(call, SERVICES[service]);
  if (answer.response.status !== 404) return;
  const [name, flag, variable] = SERVICE_SETTINGS.find(([named]) => named === SERVICES[service])!;
  const { origin, pathname } = new URL(answer.response.url);
  throw new CliError(
    `the service at ${origin} is not the ${name}: it has no route GET ${pathname}, which the ${name} serves, and every service serves /v1/dead-letters, so its own would be ${what} as the ${name}'s; check --${flag} or ${variable} names the ${name}`,
  );
}

export const deadLettersCommand: Command = {
  name: 'dead-letters list',
  usage: 'holdfast dead-letters [list] [--service analyzer|planner|notifier] [--topic traffic.samples.v1] [--since 2026-06-14T00:00:00Z] [--limit 100]',
  summary: "messages a service's consumers sent to <topic>.dlq, newest first, with who sent each, its key and the reason; --json adds their bodies (the analyzer's by default: outside pipelines write to it)",
  options: { service: { type: 'string' }, topic: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
  async run(context) {
    const service = serviceOf(context);
    const query = { topic: text(context.values, 'topic') as DeadLetterQuery['topic'], since: utcInstant(context.values, 'since') };
    await assertTheServiceAnswers(context, service, 'listed');
    const body = await readPages(context, { pageMax: 1000, shown: 100 }, async (page) => expectOk<{ items: ListedLetter[]; nextCursor: string | null }>(await ask(context, service, { ...query, ...page })));
    if (context.json) return printJson(context.io, body);
    if (body.items.length === 0) {
      context.io.out(`no dead letters at the ${SERVICES[service]}\n`);
      return;
    }
    context.io.out(
      table(
        ['DEAD-LETTERED (UTC)', 'TOPIC', 'PARTITION', 'OFFSET', 'EVENT', 'SOURCE', 'KEY', 'CONSUMER GROUP', 'REPLAYED (UTC)', 'REASON'],
        body.items.map((letter) => [
          utcTime(letter.deadLetteredAt),
          letter.topic,
          String(letter.partition),
          letter.offset,
          letter.eventId ?? '-',
          shown(letter.source),
          shown(letter.key),
          letter.consumerGroup,
          letter.replayedAt ? utcTime(letter.replayedAt) : letter.replayable ? '-' : 'not replayable',
          shortened(letter.reason),
        ]),
      ),
    );
    if (body.items.some((letter) => letter.reason.length > REASON_WIDTH)) context.io.out(`(reasons over ${REASON_WIDTH} characters are shortened; --json prints them whole)\n`);
    if (body.items.some((letter) => letter.body !== null)) context.io.out("(--json prints each message's body)\n");
    noteMore(context, body, 'dead letters');
  },
};

// A round's most: the service's own maximum, so a long replay takes as few calls as it can.
const REPLAY_ROUND = 1000;

export const deadLettersReplayCommand: Command = {
  name: 'dead-letters replay',
  usage:
    'holdfast dead-letters replay [--service analyzer|planner|notifier] (--topic traffic.samples.v1 | --since 2026-06-14T00:00:00Z | --until ... | --reason "unknown region" | --everything) [--limit N]',
  summary: 'send dead-lettered messages again to their topic once the cause is fixed (a region added, a producer corrected); each is replayed once',
  options: {
    service: { type: 'string' },
    topic: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    reason: { type: 'string' },
    limit: { type: 'string' },
    everything: { type: 'boolean' },
  },
  actsOn: ['service', 'topic', 'since', 'until', 'reason', 'everything'],
  // A round sends up to 1,000 messages, each up to KAFKA_MAX_MESSAGE_BYTES, waiting for every replica's ack and retrying through a broker's hiccup.
  requestTimeout: SLOW_REQUEST_TIMEOUT,
  async run(context) {
    const service = serviceOf(context);
    const filters = { topic: text(context.values, 'topic') as ReplayRequest['topic'], since: utcInstant(context.values, 'since'), until: utcInstant(context.values, 'until'), reasonContains: text(context.values, 'reason') };
    if (Object.values(filters).every((value) => value === undefined) && !context.values.everything) {
      throw new MissingInputError('name what to replay with --topic, --since, --until or --reason, or replay every dead letter not replayed yet with --everything');
    }
    // Without --until, only what was dead-lettered before this command: a message the replay sends that is
    // refused again (its cause not fixed) is a new letter, which later rounds would send again, round after round.
    const until = filters.until ?? new Date().toISOString();
    // At most --limit in all; without it, every match, in rounds.
    const limit = wholeNumber(context.values, 'limit');
    await assertTheServiceAnswers(context, service, 'replayed');
    const outcome: ReplayOutcome = { replayed: [], messages: 0, remaining: 0, unreplayable: 0 };
    for (;;) {
      const round = Math.min(REPLAY_ROUND, limit === undefined ? REPLAY_ROUND : limit - outcome.replayed.length);
      const answer = expectOk<ReplayOutcome>(await replayRound(context, service, { ...filters, until, ...(context.values.everything ? { everything: true as const } : {}), limit: round }));
      outcome.replayed.push(...answer.replayed);
      outcome.messages += answer.messages;
      outcome.remaining = answer.remaining;
      outcome.unreplayable = answer.unreplayable;
      if (!context.json && answer.messages > 0) context.io.out(`replayed ${outcome.replayed.length} dead letters (${outcome.messages} messages); ${answer.remaining} left\n`);
      const done = answer.remaining === 0 || answer.replayed.length === 0 || (limit !== undefined && outcome.replayed.length >= limit);
      if (done) break;
    }
    if (context.json) return printJson(context.io, outcome);
    if (outcome.replayed.length === 0) context.io.out(`nothing to replay at the ${SERVICES[service]}\n`);
    if (outcome.remaining > 0) context.io.out(`${outcome.remaining} more match: run again, or raise --limit\n`);
    if (outcome.unreplayable > 0) {
      context.io.out(`${outcome.unreplayable} matching dead letters kept no message to send (recorded before messages were kept, or over KAFKA_MAX_MESSAGE_BYTES): read them on <topic>.dlq\n`);
    }
  },
};
