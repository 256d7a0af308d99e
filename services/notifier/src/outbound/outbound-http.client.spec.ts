import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expectEventually } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressPolicy } from './address-policy';
import { OutboundHttpClient, type HostLookup } from './outbound-http.client';

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;

describe('OutboundHttpClient: the SSRF guard, against real loopback receivers', () => {
  let receiver: Server;
  let redirector: Server;
  let hits = 0;
  const post = { method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: '{}', timeoutMs: 2_000 };
  // The test's own name service: receiver.test is the allowed receiver, localtest a private address.
  const lookup: HostLookup = async (hostname) =>
    hostname === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : hostname === 'localtest' ? [{ address: '10.0.0.7', family: 4 }] : [];

  beforeAll(async () => {
    receiver = await listen((_, response) => {
      hits += 1;
      response.end('ok');
    });
    redirector = await listen((request, response) => {
      response.writeHead(307, { location: request.url === '/by-name' ? 'http://localtest/hook' : `http://127.0.0.1:${portOf(receiver)}/hook` }).end();
    });
  });

  afterAll(() => {
    receiver.close();
    redirector.close();
  });

  const clientAllowing = (...servers: Server[]) => new OutboundHttpClient(new AddressPolicy(servers.map((server) => `127.0.0.1:${portOf(server)}`).join(',')), lookup);

  it('sends to an allowed receiver, by address and by a name resolving to it', async () => {
    const client = clientAllowing(receiver);
    expect((await client.send({ ...post, url: `http://127.0.0.1:${portOf(receiver)}/hook` })).status).toBe(200);
    expect((await client.send({ ...post, url: `http://receiver.test:${portOf(receiver)}/hook` })).body).toBe('ok');
  });

  it('refuses a redirect to a loopback address the allow-list does not name', async () => {
    const before = hits;
    await expect(clientAllowing(redirector).send({ ...post, url: `http://127.0.0.1:${portOf(redirector)}/` })).rejects.toMatchObject({
      kind: 'refused-address',
      retryable: false,
      message: expect.stringMatching(/loopback/),
    });
    expect(hits).toBe(before);
  });

  it('follows the same redirect when the allow-list names its target', async () => {
    expect((await clientAllowing(redirector, receiver).send({ ...post, url: `http://127.0.0.1:${portOf(redirector)}/` })).status).toBe(200);
  });

  it("leaves a receiver's credentials behind when a redirect leads to another origin", async () => {
    const seen: (string | undefined)[] = [];
    const target = await listen((request, response) => {
      seen.push(request.headers.authorization);
      response.end('ok');
    });
    const sameOrigin = await listen((request, response) => {
      if (request.url === '/moved') {
        seen.push(request.headers.authorization);
        response.end('ok');
      } else response.writeHead(307, { location: request.url === '/elsewhere' ? `http://127.0.0.1:${portOf(target)}/hook` : '/moved' }).end();
    });
    try {
      const client = clientAllowing(sameOrigin, target);
      const credentials = { ...post, headers: { ...post.headers, authorization: 'Bearer grafana-token' } };
      expect((await client.send({ ...credentials, url: `http://127.0.0.1:${portOf(sameOrigin)}/here` })).status).toBe(200);
      expect((await client.send({ ...credentials, url: `http://127.0.0.1:${portOf(sameOrigin)}/elsewhere` })).status).toBe(200);
      expect(seen).toEqual(['Bearer grafana-token', undefined]);
    } finally {
      target.close();
      sameOrigin.close();
    }
  });

  it('refuses a name that resolves to a private address, directly and after a redirect', async () => {
    const client = clientAllowing(redirector);
    await expect(client.send({ ...post, url: 'http://localtest/hook' })).rejects.toMatchObject({ kind: 'refused-address', message: expect.stringMatching(/10\.0\.0\.7 is a private/) });
    await expect(client.send({ ...post, url: `http://127.0.0.1:${portOf(redirector)}/by-name` })).rejects.toMatchObject({ kind: 'refused-address' });
  });

  it('refuses the metadata address and non-HTTP schemes', async () => {
    const client = clientAllowing();
    await expect(client.send({ ...post, url: 'http://169.254.169.254/latest/meta-data' })).rejects.toMatchObject({ kind: 'refused-address', message: expect.stringMatching(/is a link-local address/) });
    await expect(client.send({ ...post, url: 'file:///etc/passwd' })).rejects.toMatchObject({ kind: 'bad-url' });
  });

  it('names only the origin or host in every error, never a path or query that may be a credential (a Slack webhook URL)', async () => {
    const looping = await listen((request, response) => response.writeHead(307, { location: request.url }).end());
    const silent = await listen(() => undefined);
    const closed = await listen(() => undefined);
    const closedPort = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    const secretPath = '/services/T1/B2/sealed-token?key=sealed-query';
    try {
      const client = new OutboundHttpClient(new AddressPolicy('127.0.0.1'), lookup);
      const failures = [
        { url: `http://127.0.0.1:${portOf(looping)}${secretPath}`, kind: 'redirects', message: `more than 3 redirects from http://127.0.0.1:${portOf(looping)}` },
        { url: `hooks.slack.com${secretPath}`, kind: 'bad-url', message: 'the target is not a URL' },
        { url: `http://10.0.0.7${secretPath}`, kind: 'refused-address' },
        { url: `http://localtest${secretPath}`, kind: 'refused-address' },
        { url: `http://127.0.0.1:${closedPort}${secretPath}`, kind: 'connection' },
        { url: `http://127.0.0.1:${portOf(silent)}${secretPath}`, kind: 'timeout' },
      ];
      for (const { url, ...expected } of failures) {
        const error = (await client.send({ ...post, timeoutMs: 200, url }).catch((failure: unknown) => failure)) as Error;
        expect(error).toMatchObject(expected);
        expect(error.message).not.toMatch(/sealed|services/);
      }
    } finally {
      silent.closeAllConnections();
      silent.close();
      looping.close();
    }
  });

  describe('connections kept for the next request', () => {
    /** A receiver counting the connections opened to it and the requests on each; `answer` decides, by the request's number on its connection. */
    async function countingReceiver(answer: (requestOnConnection: number, response: ServerResponse) => void) {
      const seen = { connections: 0, requests: 0 };
      const server = await listen((request, response) => {
        seen.requests += 1;
        const socket = request.socket as typeof request.socket & { served?: number };
        socket.served = (socket.served ?? 0) + 1;
        answer(socket.served, response);
      });
      server.on('connection', () => (seen.connections += 1));
      return { server, seen };
    }

    it('sends a receiver’s requests over one connection, opened to an address checked when it opened', async () => {
      const { server, seen } = await countingReceiver((_, response) => response.end('ok'));
      const client = clientAllowing(server);
      try {
        for (let round = 0; round < 3; round++) expect((await client.send({ ...post, url: `http://receiver.test:${portOf(server)}/hook` })).status).toBe(200);
        expect(seen).toEqual({ connections: 1, requests: 3 });
      } finally {
        client.close();
        server.close();
      }
    });

    it('closes a connection idle past its limit, and never one whose receiver is still answering', async () => {
      const closes = (server: Server) => {
        const count = { closed: 0 };
        server.on('connection', (socket) => socket.on('close', () => (count.closed += 1)));
        return count;
      };
      // The second request on a connection is held until the spec answers it.
      const held: ServerResponse[] = [];
      const { server, seen } = await countingReceiver((requestOnConnection, response) => (requestOnConnection === 1 ? response.end('ok') : held.push(response)));
      // A second receiver whose idle connection marks when the limit has passed.
      const witness = await listen((_, response) => response.end('ok'));
      const [serverCloses, witnessCloses] = [closes(server), closes(witness)];
      const client = new OutboundHttpClient(new AddressPolicy(`127.0.0.1:${portOf(server)},127.0.0.1:${portOf(witness)}`), lookup, 100);
      const url = `http://127.0.0.1:${portOf(server)}/hook`;
      try {
        expect((await client.send({ ...post, url })).body).toBe('ok');
        await expectEventually(() => expect(serverCloses.closed).toBe(1), { timeoutMs: 2_000, message: 'the idle connection closed' });
        // A new connection; its second request stays unanswered until the idle limit has passed since it was sent.
        expect((await client.send({ ...post, url })).body).toBe('ok');
        const late = client.send({ ...post, url });
        await expectEventually(() => expect(held).toHaveLength(1), { message: 'the second request held' });
        await client.send({ ...post, url: `http://127.0.0.1:${portOf(witness)}/hook` });
        await expectEventually(() => expect(witnessCloses.closed).toBe(1), { timeoutMs: 2_000, message: 'a connection idle since the request was held closed' });
        held[0].end('late');
        expect((await late).body).toBe('late');
        expect(seen).toEqual({ connections: 2, requests: 3 });
      } finally {
        client.close();
        server.close();
        witness.close();
      }
    });

    it('checks the address again whenever it opens a connection: a name resolving elsewhere since is refused once the kept one is gone', async () => {
      const { server, seen } = await countingReceiver((_, response) => response.end('ok'));
      let resolvesTo = '127.0.0.1';
      const rebinding = new OutboundHttpClient(new AddressPolicy(`127.0.0.1:${portOf(server)}`), async () => [{ address: resolvesTo, family: 4 }]);
      const url = `http://rebinding.test:${portOf(server)}/hook`;
      try {
        expect((await rebinding.send({ ...post, url })).status).toBe(200);
        resolvesTo = '10.0.0.7';
        // The kept connection still leads where it was checked to lead, and nowhere else.
        expect((await rebinding.send({ ...post, url })).status).toBe(200);
        server.closeIdleConnections();
        await expect(rebinding.send({ ...post, url })).rejects.toMatchObject({ kind: 'refused-address', message: expect.stringMatching(/10\.0\.0\.7 is a private/) });
        expect(seen.requests).toBe(2);
      } finally {
        rebinding.close();
        server.close();
      }
    });

    it('sends again at once on a new connection when the receiver closes the kept one under a request, and only then', async () => {
      // As a receiver whose idle timeout ends just as a request arrives: the second request on a connection is cut off unanswered.
      const { server, seen } = await countingReceiver((requestOnConnection, response) => (requestOnConnection === 2 ? response.socket?.destroy() : response.end('ok')));
      const dropping = await listen((_, response) => response.socket?.destroy());
      const client = clientAllowing(server, dropping);
      let dropped = 0;
      dropping.on('request', () => (dropped += 1));
      try {
        expect((await client.send({ ...post, url: `http://127.0.0.1:${portOf(server)}/hook` })).status).toBe(200);
        expect((await client.send({ ...post, url: `http://127.0.0.1:${portOf(server)}/hook` })).body).toBe('ok');
        expect(seen).toEqual({ connections: 2, requests: 3 });
        // A new connection cut off is the receiver's failure, an attempt spent: not sent again here.
        await expect(client.send({ ...post, url: `http://127.0.0.1:${portOf(dropping)}/hook` })).rejects.toMatchObject({ kind: 'connection', retryable: true });
        expect(dropped).toBe(1);
      } finally {
        client.close();
        server.close();
        dropping.close();
      }
    });
  });

  it('gives up on a receiver that does not answer in time, as a retryable timeout', async () => {
    const silent = await listen(() => undefined);
    try {
      await expect(clientAllowing(silent).send({ ...post, timeoutMs: 200, url: `http://127.0.0.1:${portOf(silent)}/` })).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});
