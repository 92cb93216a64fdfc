/**
 * Loopback ports for the local stack: every service binds 127.0.0.1, on a configured port or a
 * free one, and a busy configured port is reported in words a user can act on.
 */
import { createServer, type Server } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/** A configured port is already taken by another process. */
export class PortInUseError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    what = 'a local service',
  ) {
    super(
      `Port ${port} on ${host} is already in use, so ${what} cannot start there. ` +
        'Stop the process using it (for example `lsof -i :' +
        `${port}\`) or configure another port (0 picks a free one).`,
    );
    this.name = 'PortInUseError';
  }
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/**
 * Starts `server` listening on `host:port` (port 0: any free port) and returns the bound port.
 * EADDRINUSE becomes a PortInUseError naming `what` is being started.
 */
export function listen(server: Server, host: string, port: number, what?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off('listening', onListening);
      reject(isAddressInUse(error) ? new PortInUseError(host, port, what) : error);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`unexpected server address ${String(address)}`));
        return;
      }
      resolve(address.port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

/** Closes a server, ending idle keep-alive connections so close() does not wait for clients. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close((error) => (error ? reject(error) : resolve()));
    const http = server as Server & { closeAllConnections?: () => void };
    http.closeAllConnections?.();
  });
}

/**
 * A port that was free a moment ago (the OS picks it). Only for processes we cannot hand port 0,
 * such as `moto_server`; another process could take it in between, which the caller then reports.
 */
export async function freePort(host = LOOPBACK): Promise<number> {
  const server = createServer();
  const port = await listen(server, host, 0);
  await closeServer(server);
  return port;
}

/** Throws a PortInUseError when `port` cannot be bound on `host` right now. */
export async function assertPortFree(port: number, host = LOOPBACK, what?: string): Promise<void> {
  const server = createServer();
  await listen(server, host, port, what);
  await closeServer(server);
}
