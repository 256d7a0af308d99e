import { describe, expect, it } from 'vitest';
import { AlertmanagerChannel } from './alertmanager.channel';

/** The channel with its outbound client stood in for, recording where each request went. */
function channelRecording(urls: string[]): AlertmanagerChannel {
  const outbound = {
    send: (request: { url: string }) => {
      urls.push(request.url);
      return Promise.resolve({ status: 200, headers: {}, body: '' });
    },
  };
  return new AlertmanagerChannel(outbound as never, {} as never, {} as never, {} as never, { settings: { alertTtlMs: 15 * 60_000 } } as never);
}

describe('AlertmanagerChannel.post', () => {
  it("posts to /api/v2/alerts under the base URL's path, a target kept from before with a query or fragment included", async () => {
    const urls: string[] = [];
    const channel = channelRecording(urls);
    for (const target of ['http://127.0.0.1:47812/am/', 'http://127.0.0.1:47812/am#x', 'http://127.0.0.1:47812/am?org=1']) await channel.post(target, null, []);
    expect(urls).toEqual(['http://127.0.0.1:47812/am/api/v2/alerts', 'http://127.0.0.1:47812/am/api/v2/alerts', 'http://127.0.0.1:47812/am/api/v2/alerts']);
  });
});
