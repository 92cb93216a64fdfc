import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { MOTO_INSTALL_HINT, MOTO_VERSION, MotoNotInstalledError, startMoto } from '../../../local/moto/moto';

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

const LAUNCHER = fileURLToPath(new URL('../../../local/moto/launcher.py', import.meta.url));

/**
 * A `moto_server` whose Python imports a fake moto of `version` (first on its PYTHONPATH), for
 * `run` to use; removed afterwards.
 */
async function withFakeMoto(version: string, run: (command: string, site: string) => Promise<void>) {
  const dir = await mkdtemp(join(tmpdir(), 'user-files-fake-moto-'));
  try {
    const site = join(dir, 'site');
    await mkdir(join(site, 'moto'), { recursive: true });
    await writeFile(join(site, 'moto', '__init__.py'), `__version__ = ${JSON.stringify(version)}\n`);
    const python = join(dir, 'python3');
    await writeFile(python, `#!/bin/sh\nPYTHONPATH='${site}' exec python3 "$@"\n`, { mode: 0o755 });
    const command = join(dir, 'moto_server');
    await writeFile(command, `#!${python}\n`, { mode: 0o755 });
    await run(command, site);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

  it('rolls a failed transaction back item by item: what it wrote before the failing item is undone', async () => {
    // The launcher replaces moto's rollback (a deep copy of every table the transaction names, per
    // item: ~350 ms on a 5,000-item ledger) with copies of the named items; the outcome must be equal.
    const moto = await startMoto();
    const dynamodb = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://moto',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: { httpAgent: moto.agent },
    });
    try {
      await dynamodb.send(
        new CreateTableCommand({
          TableName: 't',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const key = (sk: string) => ({ pk: { S: 'u' }, sk: { S: sk } });
      await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { ...key('usage'), n: { N: '1' } } }));
      await dynamodb.send(new PutItemCommand({ TableName: 't', Item: { ...key('taken'), n: { N: '0' } } }));
      await dynamodb.send(new PutItemCommand({ TableName: 't', Item: key('usage-guard') }));
      const failing = new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: 't',
              Key: key('usage'),
              UpdateExpression: 'ADD n :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          },
          { Put: { TableName: 't', Item: { ...key('new'), n: { N: '5' } } } },
          { Delete: { TableName: 't', Key: key('taken') } },
          {
            ConditionCheck: {
              TableName: 't',
              Key: key('usage-guard'),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      });
      await expect(dynamodb.send(failing)).rejects.toMatchObject({ name: 'TransactionCanceledException' });
      const get = async (sk: string) =>
        (await dynamodb.send(new GetItemCommand({ TableName: 't', Key: key(sk), ConsistentRead: true })))
          .Item;
      expect((await get('usage'))?.n).toEqual({ N: '1' });
      expect(await get('new')).toBeUndefined();
      expect((await get('taken'))?.n).toEqual({ N: '0' });
    } finally {
      dynamodb.destroy();
      await moto.close();
    }
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

  it('refuses another moto version at once, naming both versions and the install command', async () => {
    await withFakeMoto('5.0.0', async (command) => {
      const failure = startMoto({ command });
      await expect(failure).rejects.toBeInstanceOf(MotoNotInstalledError);
      await expect(failure).rejects.toThrow(`moto 5.0.0 is installed for `);
      await expect(failure).rejects.toThrow(`the local stack needs moto ${MOTO_VERSION}`);
      await expect(failure).rejects.toThrow(MOTO_INSTALL_HINT);
    });
  });

  it('checks the version alone for .ci/run, with the same message', async () => {
    // The installed (pinned) moto passes: every startMoto above went through the same check.
    await withFakeMoto('5.0.0', async (_command, site) => {
      const wrong = spawnSync('python3', [LAUNCHER, '--check-version'], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: site },
      });
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toContain(`moto 5.0.0 is installed for `);
      expect(wrong.stderr).toContain(`the local stack needs moto ${MOTO_VERSION}`);
      expect(wrong.stderr).toContain(MOTO_INSTALL_HINT);
    });
  });
});
