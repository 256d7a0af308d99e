import { CliError, ExitCode } from '../cli-io';
import type { operations as AnalyzerOperations } from '../client/generated/analyzer';
import { expectOk, reach } from '../client/holdfast-api';
import type { ApiAnswer } from '../client/typed-client';
import { numberOf, printJson, text, type Command, type CommandContext } from '../command';
import { utcTime } from '../output/local-times';
import { table } from '../output/table';

type DeadLetterList = AnalyzerOperations['DeadLettersController_list'];
type DeadLetterQuery = NonNullable<DeadLetterList['parameters']['query']>;
// Every service serves the same endpoint from the service kit; the analyzer's document types it for all three.
type DeadLetterAnswer = DeadLetterList['responses'][200]['content']['application/json'];

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

function ask(context: CommandContext, service: ServiceFlag, query: DeadLetterQuery): Promise<ApiAnswer> {
  const params = { params: { query } };
  const call = {
    analyzer: () => context.api.analyzer.GET('/v1/dead-letters', params),
    planner: () => context.api.planner.GET('/v1/dead-letters', params),
    notifier: () => context.api.notifier.GET('/v1/dead-letters', params),
  }[service];
  return reach(call, SERVICES[service]);
}

export const deadLettersCommand: Command = {
  name: 'dead-letters',
  usage: 'holdfast dead-letters [--service analyzer|planner|notifier] [--topic traffic.samples.v1] [--since 2026-06-14T00:00:00Z] [--limit 100]',
  summary: "messages a service's consumers sent to <topic>.dlq, newest first, with the reason (the analyzer's by default: outside pipelines write to it)",
  options: { service: { type: 'string' }, topic: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
  async run(context) {
    const service = text(context.values, 'service') ?? 'analyzer';
    if (!(service in SERVICES)) throw new CliError(`--service must be one of ${Object.keys(SERVICES).join(', ')}, not ${service}`, ExitCode.usage);
    const query = { topic: text(context.values, 'topic') as DeadLetterQuery['topic'], since: text(context.values, 'since'), limit: numberOf(context, 'limit') };
    const body = expectOk<DeadLetterAnswer>(await ask(context, service as ServiceFlag, query));
    if (context.json) return printJson(context.io, body);
    if (body.items.length === 0) {
      context.io.out(`no dead letters at the ${SERVICES[service as ServiceFlag]}\n`);
      return;
    }
    context.io.out(
      table(
        ['DEAD-LETTERED (UTC)', 'TOPIC', 'PARTITION', 'OFFSET', 'EVENT', 'CONSUMER GROUP', 'REASON'],
        body.items.map((letter) => [utcTime(letter.deadLetteredAt), letter.topic, String(letter.partition), letter.offset, letter.eventId ?? '-', letter.consumerGroup, shortened(letter.reason)]),
      ),
    );
    if (body.items.some((letter) => letter.reason.length > REASON_WIDTH)) context.io.out(`(reasons over ${REASON_WIDTH} characters are shortened; --json prints them whole)\n`);
  },
};
