import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { MOTO_INSTALL_HINT, MotoNotInstalledError, startMoto } from '../../local/moto';
import { closeServer, freePort, LOOPBACK, listen, PortInUseError } from '../../local/ports';

describe('startMoto', () => {
  it('starts moto_server on a free loopback port and stops it on close', async () => {
    const moto = await startMoto();
    expect(moto.url).toBe(`http://${LOOPBACK}:${moto.port}`);
    expect((await fetch(`${moto.url}/moto-api/`)).status).toBe(200);
    await moto.close();
    await expect(fetch(`${moto.url}/moto-api/`)).rejects.toThrow();
    // The port is free again: the server and any child are gone.
    const server = createServer();
    await expect(listen(server, LOOPBACK, moto.port)).resolves.toBe(moto.port);
    await closeServer(server);
  });

  it('says how to install moto when moto_server is missing', async () => {
    const failure = startMoto({ command: 'moto_server_not_installed_here' });
    await expect(failure).rejects.toBeInstanceOf(MotoNotInstalledError);
    await expect(failure).rejects.toThrow(MOTO_INSTALL_HINT);
  });

  it('reports a busy configured port clearly, without starting anything', async () => {
    const server = createServer();
    const port = await listen(server, LOOPBACK, await freePort());
    try {
      const failure = startMoto({ port });
      await expect(failure).rejects.toBeInstanceOf(PortInUseError);
      await expect(failure).rejects.toThrow(`Port ${port} on ${LOOPBACK} is already in use`);
    } finally {
      await closeServer(server);
    }
  });
});
