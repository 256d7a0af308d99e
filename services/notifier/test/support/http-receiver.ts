import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

/** How the receiver answers one request: a status (with headers and body), or never (`hold`) until released. */
export type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hold';

/** A real HTTP receiver on loopback that records every request and answers as the test says. */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private held: ServerResponse[] = [];
  private readonly server: Server;

  private constructor(public reply: (request: ReceivedRequest, index: number) => Reply) {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => this.answer({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() }, response));
    });
  }

  static async start(reply: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 204 })): Promise<HttpReceiver> {
    const receiver = new HttpReceiver(reply);
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The allow-list entry for exactly this receiver. */
  get allowEntry(): string {
    return `127.0.0.1:${this.port}`;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Answers every held request with `status`. */
  releaseHeld(status = 200): void {
    for (const response of this.held.splice(0)) response.writeHead(status).end();
  }

  async close(): Promise<void> {
    this.releaseHeld();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(request: ReceivedRequest, response: ServerResponse): void {
    const index = this.requests.push(request) - 1;
    const reply = this.reply(request, index);
    if (reply === 'hold') {
      this.held.push(response);
      return;
    }
    response.writeHead(reply.status, reply.headers).end(reply.body ?? '');
  }
}
