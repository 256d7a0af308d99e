import { connect, createServer, type Socket } from 'node:net';

export interface LoopbackProxy {
  /** Stops listening and cuts every connection it carries. */
  close(): void;
}

/**
 * A TCP proxy listening on 127.0.0.1:`port` to `upstream` ("host:port"): a dependency that starts
 * where a service was told to find it, while the service waits (the boot waits' specs).
 */
export function loopbackProxy(port: number, upstream: string): LoopbackProxy {
  const [host, upstreamPort] = [upstream.slice(0, upstream.lastIndexOf(':')), Number(upstream.slice(upstream.lastIndexOf(':') + 1))];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    const far = connect(upstreamPort, host);
    sockets.push(socket, far);
    socket.pipe(far).pipe(socket);
    socket.on('error', () => far.destroy());
    far.on('error', () => socket.destroy());
  });
  server.listen(port, '127.0.0.1');
  return {
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}
