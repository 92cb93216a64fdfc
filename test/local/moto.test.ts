import { execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MOTO_INSTALL_HINT, MotoNotInstalledError, startMoto } from '../../local/moto';

function get(agent: import('node:http').Agent, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: 'moto', path }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** TCP ports the process `pid` (or its children) listens on, from `ss`. */
function listeningTcpPorts(pid: number): string[] {
  const out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(`pid=${pid},`));
}

describe('startMoto', () => {
  it('listens only on a Unix socket in a private directory, removed on close', async () => {
    const moto = await startMoto();
    try {
      const dir = moto.socketPath.slice(0, moto.socketPath.lastIndexOf('/'));
      expect((await stat(dir)).mode & 0o777).toBe(0o700);
      expect((await stat(moto.socketPath)).isSocket()).toBe(true);
      expect((await get(moto.agent, '/moto-api/')).status).toBe(200);
      const pids = execFileSync('pgrep', ['-f', moto.socketPath], { encoding: 'utf8' })
        .trim()
        .split('\n')
        .map(Number);
      expect(pids.length).toBeGreaterThan(0);
      for (const pid of pids) expect(listeningTcpPorts(pid)).toEqual([]);
    } finally {
      await moto.close();
    }
    await expect(stat(moto.socketPath)).rejects.toThrow();
    await expect(stat(moto.socketPath.slice(0, moto.socketPath.lastIndexOf('/')))).rejects.toThrow();
  });

  it("serves the key generated at start as every pool's JWKS, not the one in moto's package", async () => {
    const moto = await startMoto();
    try {
      const jwks = JSON.parse((await get(moto.agent, '/us-east-1_test/.well-known/jwks.json')).body) as {
        keys: { kid: string; n: string }[];
      };
      const ours = moto.signingKey.export({ format: 'jwk' });
      expect(jwks.keys).toHaveLength(1);
      expect(jwks.keys[0]?.kid).toBe(moto.signingKeyId);
      expect(jwks.keys[0]?.n).toBe(ours.n);
    } finally {
      await moto.close();
    }
  });

  it('says how to install moto when moto_server is missing', async () => {
    const failure = startMoto({ command: 'moto_server_not_installed_here' });
    await expect(failure).rejects.toBeInstanceOf(MotoNotInstalledError);
    await expect(failure).rejects.toThrow(MOTO_INSTALL_HINT);
  });
});
