/**
 * The smallest stand-in for the Cognito Identity and STS endpoints that a cold process can talk to
 * over loopback: `GetId`, `GetOpenIdToken` and `GetOpenIdTokenForDeveloperIdentity` in Cognito's
 * JSON protocol and `AssumeRoleWithWebIdentity` in STS's Query protocol, answered at once for any
 * login (no signature checked), and counted. Used by the cold-start measurement, where the function
 * under test runs in a fresh process and can only be reached through `AWS_ENDPOINT_URL_*`.
 */
import { createServer } from 'node:http';
import { closeServer, LOOPBACK, listen } from '../local/stack/ports';

export interface FakeCognitoIdentity {
  readonly url: string;
  /** `getCredentials`: the calls that fetch a session (OpenID token requests and STS). */
  readonly calls: { getId: number; getCredentials: number; other: number };
  close(): Promise<void>;
}

export async function startFakeCognitoIdentity(identityId: string): Promise<FakeCognitoIdentity> {
  const calls = { getId: 0, getCredentials: 0, other: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      let body: unknown;
      if (target === 'AWSCognitoIdentityService.GetId') {
        calls.getId++;
        body = { IdentityId: identityId };
      } else if (
        target === 'AWSCognitoIdentityService.GetOpenIdToken' ||
        target === 'AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity'
      ) {
        calls.getCredentials++;
        body = { IdentityId: identityId, Token: 'cold-start-openid-token' };
      } else if (form.get('Action') === 'AssumeRoleWithWebIdentity') {
        calls.getCredentials++;
        const expiration = new Date(Date.now() + 3_600_000).toISOString();
        res.writeHead(200, { 'Content-Type': 'text/xml' });
        res.end(
          '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
            `<SubjectFromWebIdentityToken>${identityId}</SubjectFromWebIdentityToken><Credentials>` +
            '<AccessKeyId>ASIACOLDSTART0000001</AccessKeyId><SecretAccessKey>cold-start-secret</SecretAccessKey>' +
            `<SessionToken>cold-start-session-${'t'.repeat(700)}</SessionToken><Expiration>${expiration}</Expiration>` +
            '</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
        );
        return;
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
