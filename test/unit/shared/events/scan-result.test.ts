/**
 * GuardDuty's scan-result event as EventBridge delivers it: the parser reads a document of
 * GuardDuty's documented shape (fixtures/guardduty-object-scan-result.json: its envelope and
 * detail fields as AWS documents them, `versionId` and `s3Throttled` included, which our builder
 * does not write), not only what our own builder makes; and the builder's documents parse back.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MalformedEventError } from '../../../../shared/events/s3-event';
import { parseScanResult, scanResultDocument } from '../../../../shared/events/scan-result';

const OWNER = 'us-east-1:11111111-2222-3333-4444-555555555555';
const BUCKET = 'amzn-s3-demo-bucket';
const sample = (): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL('./fixtures/guardduty-object-scan-result.json', import.meta.url), 'utf8'));

describe('parseScanResult', () => {
  it("reads GuardDuty's documented event: key, ETag unquoted, result, threats", () => {
    expect(parseScanResult(sample(), BUCKET)).toEqual({
      key: `public/${OWNER}/eicar.txt`,
      where: { level: 'public', owner: OWNER, path: 'eicar.txt' },
      eTag: '44d88612fea8a8f36de82e1278abb02f',
      result: 'THREATS_FOUND',
      threats: ['EICAR-Test-File (not a virus)'],
      time: '2024-02-28T01:01:01Z',
    });
  });

  it('reads a clean result, whose threats are null, as none', () => {
    const event = sample() as { detail: { scanResultDetails: Record<string, unknown> } };
    event.detail.scanResultDetails = { scanResultStatus: 'NO_THREATS_FOUND', threats: null };
    expect(parseScanResult(event, BUCKET)).toMatchObject({ result: 'NO_THREATS_FOUND', threats: [] });
  });

  it('skips another bucket, refuses another shape', () => {
    expect(parseScanResult(sample(), 'another-bucket')).toBeUndefined();
    const event = sample() as { detail: { scanResultDetails: Record<string, unknown> } };
    event.detail.scanResultDetails = { scanResultStatus: 'SOMETHING_NEW' };
    expect(() => parseScanResult(event, BUCKET)).toThrow(MalformedEventError);
  });

  it('reads back what the local scanner builds', () => {
    const document = scanResultDocument({
      id: 'id',
      account: '000000000000',
      region: 'us-east-1',
      planArn: 'arn:aws:guardduty:us-east-1:000000000000:malware-protection-plan/local',
      bucket: BUCKET,
      key: `private/${OWNER}/a b+c.txt`,
      eTag: 'abc',
      result: 'FAILED',
      threats: [],
      time: '2024-01-01T00:00:00Z',
    });
    expect(parseScanResult(JSON.parse(JSON.stringify(document)), BUCKET)).toMatchObject({
      key: `private/${OWNER}/a b+c.txt`,
      eTag: 'abc',
      result: 'FAILED',
      threats: [],
    });
  });
});
