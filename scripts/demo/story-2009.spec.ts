import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../system/system-runner.mjs';
import { createStory, StoryStepError, type StorySystem } from './story-2009';

const systemAt = (baseUrl: string): StorySystem => ({
  plannerUrl: baseUrl,
  analyzerUrl: baseUrl,
  notifierUrl: baseUrl,
  adminKey: 'hf_story_spec',
  // Never reached: the steps under test fail before any touches Kafka.
  brokers: ['127.0.0.1:1'],
  topicPrefix: 'story-spec.',
});

async function firstStepFailure(baseUrl: string): Promise<unknown> {
  const story = createStory(systemAt(baseUrl), { timeoutMs: 300 });
  try {
    return await story.steps[0].run().then(
      () => new Error('the first step passed'),
      (error: unknown) => error,
    );
  } finally {
    await story.close();
  }
}

describe('the 2009 story, when a service does not answer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('names the step and why the connection failed when nothing listens on the service port', async () => {
    const failure = await firstStepFailure(`http://127.0.0.1:${await freePort()}`);

    expect(failure).toBeInstanceOf(StoryStepError);
    expect((failure as StoryStepError).step).toBe('team keys');
    expect((failure as Error).message).toMatch(/^step "team keys" did not happen: fetch failed \(.*ECONNREFUSED/);
  });

  it('names why the connection failed when a step gives up waiting on a service that hangs up', async () => {
    // Creates keys, then drops every request that checks whether the key has arrived.
    server = createServer((request, response) => {
      if (request.method === 'POST') return void response.writeHead(201, { 'content-type': 'application/json' }).end('{"key":"hf_team"}');
      request.socket.destroy();
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));

    const failure = await firstStepFailure(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

    expect(failure).toBeInstanceOf(StoryStepError);
    expect((failure as Error).message).toMatch(/^step "team keys" did not happen: fetch failed \(.+\)$/);
  });
});
