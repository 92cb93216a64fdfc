/**
 * The smallest stand-in for the Cognito Identity endpoint that a cold process can talk to over
 * loopback: `GetId` and `GetCredentialsForIdentity` in the service's JSON protocol, answered at once
 * for any login, and counted. Used by the cold-start measurement, where the function under test runs
 * in a fresh process and can only be reached through `AWS_ENDPOINT_URL_COGNITO_IDENTITY`.
 */
import { createServer } from 'node:http';
import { closeServer, LOOPBACK, listen } from '../local/ports';

export interface FakeCognitoIdentity {
  readonly url: string;
  readonly calls: { getId: number; getCredentials: number; other: number };
  close(): Promise<void>;
}

export async function startFakeCognitoIdentity(identityId: string): Promise<FakeCognitoIdentity> {
  const calls = { getId: 0, getCredentials: 0, other: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let body: unknown;
      if (target === 'AWSCognitoIdentityService.GetId') {
        calls.getId++;
        body = { IdentityId: identityId };
      } else if (target === 'AWSCognitoIdentityService.GetCredentialsForIdentity') {
        calls.getCredentials++;
        body = {
          IdentityId: identityId,
          Credentials: {
            AccessKeyId: 'ASIACOLDSTART0000001',
            SecretKey: 'cold-start-secret',
            SessionToken: `cold-start-session-${'t'.repeat(700)}`,
            // The JSON protocol carries timestamps as epoch seconds.
            Expiration: Math.floor(Date.now() / 1000) + 3600,
          },
        };
      } else {
        calls.other++;
        res.writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    });
  });
  const port = await listen(server, LOOPBACK, 0, 'the fake Cognito Identity endpoint');
  return { url: `http://${LOOPBACK}:${port}`, calls, close: () => closeServer(server) };
}
