import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningService } from '../../scripts/system/system-runner.mjs';

/** What the fault specs send and expect: each surge is the first sample of a region above the analyzer's warm-up ceiling, as in bench:e2e. */
export const SURGE_ON_FIRST_SAMPLE = { ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupCeiling: 1_000 } }) };

export interface HoldWebhook {
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; data: { holdId: string; regions: string[]; windowIds: string[] } };
}

/** A JSON call with the admin key to one of `services`; anything but 2xx throws with the answer. */
export function adminCaller(services: Record<string, RunningService>, adminKey: string) {
  return async <T>(service: string, path: string, body?: object): Promise<T> => {
    const response = await fetch(`${services[service].baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${service} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
}

export type AdminCall = ReturnType<typeof adminCaller>;

/** A loopback receiver recording each webhook; while `hold()` is on, it leaves requests unanswered until `answerHeld()`. */
export async function startWebhookReceiver() {
  const webhooks: HoldWebhook[] = [];
  let held: ServerResponse[] | undefined;
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    request.on('end', () => {
      webhooks.push({ headers: request.headers, body: JSON.parse(raw) as HoldWebhook['body'] });
      if (held) held.push(response);
      else response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    webhooks,
    allowEntry: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    hold: () => (held = []),
    heldCount: () => held?.length ?? 0,
    answerHeld: () => {
      for (const response of held?.splice(0) ?? []) response.writeHead(204).end();
      held = undefined;
    },
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** A producer writing bare JSON samples to traffic.samples.v1, as an outside pipeline does. */
export async function surgeProducer(brokers: string[], topicPrefix: string, source: string) {
  const producer: Producer = new Kafka({ clientId: `${source}-e2e`, brokers, logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    surge: (regions: readonly string[]) =>
      producer.send({
        topic: `${topicPrefix}traffic.samples.v1`,
        messages: regions.map((region) => ({ key: region, value: JSON.stringify({ region, metric: 'requests', at: new Date().toISOString(), value: 5_000, source }) })),
      }),
    disconnect: () => producer.disconnect(),
  };
}

/** One window an hour ahead per region, and a subscription of the receiver to hold.placed: the window id of each region. */
export async function planRegionWindows(call: AdminCall, regions: readonly string[], receiverAllowEntry: string): Promise<Map<string, string>> {
  const startsAt = new Date(Math.ceil(Date.now() / 300_000) * 300_000 + 3_600_000);
  const windowOf = new Map<string, string>();
  for (const region of regions) {
    const { id } = await call<{ id: string }>('maintenance-planner', '/v1/windows', {
      title: `Patch ${region}`,
      ownerTeam: 'platform',
      footprint: { global: false, regions: [region] },
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
      plannedZone: 'UTC',
    });
    windowOf.set(region, id);
  }
  await call('notifier', '/v1/subscriptions', { channel: 'webhook', target: `http://${receiverAllowEntry}/holds`, ownerTeam: 'platform', filters: { eventTypes: ['hold.placed'] } });
  return windowOf;
}
