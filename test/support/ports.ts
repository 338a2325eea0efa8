/** Ports for tests: one that is free now (to listen on), one that nothing listens on (to fail against). */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A port the OS just handed out and released: free to listen on. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A port nothing listens on, for "the server is down" tests (the same as a just-released free port). */
export const closedPort = freePort;
