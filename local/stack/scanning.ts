/**
 * Malware scanning, wired as the deployed stack wires it: the bucket's policy (reads held until
 * scanned clean, tagging only by the scanner) attached to the S3 gateway, and the local scanner
 * (GuardDuty's stand-in) with its own role, reporting to the events queue. Nothing when off.
 */
import type { ScanSettings } from '../../shared/domain/scan';
import { buildScanBucketPolicy, buildScannerPolicy } from '../../shared/policy/scan-policy';
import type { ResourcePolicyDocument } from '../core/policy-engine';
import { type Scanner, scanDelayFromEnv, startScanner } from '../scanner/scanner';
import type { StorageEvents } from '../storage-events/delivery';
import type { DoorSettings, FrontDoors } from './front-doors';
import { EVENTS_ROLE_ARN } from './functions';
import type { Stops } from './stops';

export const SCANNER_ROLE_ARN = 'arn:aws:iam::000000000000:role/user-files-local-scanner';

/** The bucket policy the construct attaches with scanning: the scanner and the events function exempt. */
export function scanBucketPolicy(bucketName: string, settings: ScanSettings): ResourcePolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: buildScanBucketPolicy({
      bucketArn: `arn:aws:s3:::${bucketName}`,
      settings,
      scannerRoleArn: SCANNER_ROLE_ARN,
      inspectorRoleArns: [EVENTS_ROLE_ARN],
    }),
  };
}

/** With settings: the bucket's policy attached and the scanner started (stopped with the stack). */
export function startScanning(
  settings: DoorSettings & { readonly delayMs: number | undefined },
  doors: FrontDoors,
  deployment: { readonly bucketName: string; readonly malwareScanning?: ScanSettings | undefined },
  events: StorageEvents,
  stops: Stops,
): Scanner | undefined {
  const scan = deployment.malwareScanning;
  if (scan === undefined) return undefined;
  const { bucketName } = deployment;
  doors.setBucketPolicy(bucketName, scanBucketPolicy(bucketName, scan));
  const credentials = doors.store.issueRoleCredentials(
    SCANNER_ROLE_ARN,
    buildScannerPolicy(`arn:aws:s3:::${bucketName}`, scan),
  );
  const scanner = startScanner({
    endpoint: doors.s3.url,
    region: settings.region,
    credentials,
    bucket: bucketName,
    settings: scan,
    delayMs: settings.delayMs ?? scanDelayFromEnv(),
    send: (body) => events.send(body),
    inKeyTurn: (bucket, key, work) => doors.s3.inKeyTurn(bucket, key, work),
    ...(settings.log ? { log: settings.log } : {}),
  });
  stops.add(() => scanner.close());
  return scanner;
}
