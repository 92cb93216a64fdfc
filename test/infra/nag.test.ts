/**
 * cdk-nag (AwsSolutions) over the app as `cdk synth` builds it: no finding left unacknowledged,
 * every acknowledgement carries a written reason, and none is stale (each one silences a finding
 * that cdk-nag really reports).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, type CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserFilesStack } from '../../lib/user-files-stack';
import { GROUP_TAG_SLOTS } from '../../shared/domain/groups';
import { cdkJsonContext, type Synthesized, synthesize, synthesized } from '../support/synth';

let synth: Synthesized;

beforeAll(() => {
  synth = synthesized();
});

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every `Validations.of(...).acknowledge(...)` in the tree, from the metadata it records. */
function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([qualified, reason]) => ({
          path: construct.node.path,
          // Stored as `Annotation::<id>` when the id has no plugin prefix (cdk-nag's documented form).
          id: qualified.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

/** What AwsSolutions reports when acknowledgements are ignored: `ruleId @ construct path`. */
function rawFindings(root: IConstruct): Set<string> {
  const pack = new AwsSolutionsChecks();
  // cdk-nag consults this (private) hook before reporting a finding; answering "no" shows them all.
  (pack as unknown as { isAcknowledged: (node: CfnResource, ruleId: string) => boolean }).isAcknowledged =
    () => false;
  const report = pack.validateScope(root);
  return new Set(
    report.violations.flatMap((violation) =>
      violation.violatingResources.map((resource) => `${violation.ruleName} @ ${resource.constructPath}`),
    ),
  );
}

/** Each acknowledgement silences a real finding on its construct, and each finding is acknowledged. */
function expectAcknowledgementsMatchFindings(root: IConstruct): void {
  const findings = rawFindings(root);
  const acknowledged = acknowledgements(root).filter((ack) => ack.id.startsWith('AwsSolutions-'));
  const matches = (ack: Acknowledgement, finding: string) => {
    const [ruleId, path] = finding.split(' @ ') as [string, string];
    return ruleId === ack.id && (path === ack.path || path.startsWith(`${ack.path}/`));
  };
  for (const ack of acknowledged) {
    const silenced = [...findings].filter((finding) => matches(ack, finding));
    expect(silenced, `stale acknowledgement ${ack.id} at ${ack.path}`).not.toEqual([]);
  }
  for (const finding of findings) {
    const covered = acknowledged.some((ack) => matches(ack, finding));
    expect(covered, `unacknowledged ${finding}`).toBe(true);
  }
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding (synthesis would have thrown) and the report is empty', () => {
    const report = JSON.parse(readFileSync(join(synth.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    const nag = report.pluginReports.filter((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag.flatMap((plugin) => plugin.violations)).toEqual([]);
    // Nothing at all from any plugin (CloudFormation's own validation included).
    expect(report.pluginReports).toEqual([]);
  });

  it('reports nothing for the direct-mode app either (synthesis throws on any finding)', () => {
    const direct = synthesize({ bundle: false, context: { accessMode: 'direct' } });
    const report = JSON.parse(readFileSync(join(direct.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: unknown[];
    };
    expect(report.pluginReports).toEqual([]);
    expect(direct.stack.userFiles.accessMode).toBe('direct');
  });

  it('is really registered: without the acknowledgements it has findings to report', () => {
    expect(rawFindings(synth.app).size).toBeGreaterThan(0);
  });

  it('every acknowledgement has a written reason', () => {
    const all = acknowledgements(synth.app);
    expect(all.length).toBeGreaterThan(0);
    for (const ack of all) {
      expect(ack.reason.trim().length, `${ack.id} at ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });

  it('every acknowledgement silences a real finding on its construct, and every finding is acknowledged', () => {
    expectAcknowledgementsMatchFindings(synth.app);
  });

  it('the same without guests (context guestAccess=false): no guest acknowledgement is left stale', () => {
    const noGuests = synthesize({ bundle: false, context: { guestAccess: 'false' } });
    expectAcknowledgementsMatchFindings(noGuests.app);
    const ids = acknowledgements(noGuests.app).map((ack) => ack.id);
    expect(ids).not.toContain('AwsSolutions-APIG4');
    expect(ids).not.toContain('AwsSolutions-COG7');
  });

  it.each([
    ['the whole bucket', 'true'],
    ['two prefixes', JSON.stringify({ prefixes: ['public/', 'groups/'], onUnsupported: 'serve' })],
  ])('the same with malware scanning (%s): the plan role acknowledged wildcard by wildcard', (_, setting) => {
    const scanning = synthesize({ bundle: false, context: { malwareScanning: setting } });
    expectAcknowledgementsMatchFindings(scanning.app);
    const planRole = scanning.stack.userFiles.malwareScanning?.planRole;
    expect(planRole).toBeDefined();
    const onRole = acknowledgements(scanning.app).filter((ack) => ack.path === planRole?.node.path);
    const bucketId = scanning.stack.getLogicalId(
      scanning.stack.userFiles.bucket.node.defaultChild as CfnResource,
    );
    const prefixes = setting === 'true' ? [''] : ['public/', 'groups/'];
    expect(onRole.map((ack) => ack.id).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/DO-NOT-DELETE-AmazonGuardDutyMalwareProtectionS3*]',
        ...prefixes.map((prefix) => `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`),
      ].sort(),
    );
  });

  it('the same with no rate limit at all: no web ACL, and APIG3 acknowledged on the API', () => {
    // As synth.ts builds apps: in memory, so synthesis throws on an unacknowledged finding.
    const app = new App({
      context: { ...cdkJsonContext(), '@aws-cdk/core:appMode': 'inmemory', 'aws:cdk:bundling-stacks': [] },
    });
    const stack = new UserFilesStack(app, 'NoLimits', {
      api: { allowedOrigins: ['https://app.example.com'], perUserRateLimit: false, guestRateLimit: false },
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
    expect(stack.userFiles.webAcl).toBeUndefined();
    expectAcknowledgementsMatchFindings(app);
    expect(acknowledgements(app).filter((ack) => ack.id === 'AwsSolutions-APIG3')).toEqual([
      expect.objectContaining({ path: stack.userFiles.api.node.path }),
    ]);
  });

  it('acknowledges the guest methods, and only them, for having no authorizer (APIG4, COG4)', () => {
    const apiPath = synth.stack.userFiles.api.node.path;
    for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
      const paths = acknowledgements(synth.app)
        .filter((ack) => ack.id === id)
        .map((ack) => ack.path.slice(apiPath.length));
      expect(paths.sort(), id).toEqual(
        [
          '/Default/public/{owner}/{key+}/GET',
          '/Default/public/{owner}/{key+}/HEAD',
          '/Default/public/{owner}/GET',
        ].sort(),
      );
    }
  });

  it("acknowledges the guest role's one wildcard and the pool's unauthenticated identities, nothing broader", () => {
    const { unauthenticatedRole, identityPool } = synth.stack.userFiles;
    const onRole = acknowledgements(synth.app).filter((ack) => ack.path === unauthenticatedRole?.node.path);
    const bucketId = synth.stack.getLogicalId(synth.stack.userFiles.bucket.node.defaultChild as CfnResource);
    expect(onRole.map((ack) => ack.id)).toEqual([`AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/public/*]`]);
    expect(
      acknowledgements(synth.app)
        .filter((ack) => ack.id === 'AwsSolutions-COG7')
        .map((ack) => ack.path),
    ).toEqual([identityPool.node.path]);
  });

  it("acknowledges the authenticated role's wildcards one by one: its folders, reads, shares and each group slot", () => {
    const { authenticatedRole, bucket } = synth.stack.userFiles;
    const onRole = acknowledgements(synth.app).filter((ack) => ack.path === authenticatedRole.node.path);
    const arn = `<${synth.stack.getLogicalId(bucket.node.defaultChild as CfnResource)}.Arn>`;
    const sub = '<cognito-identity.amazonaws.com:sub>';
    const slots = Array.from(
      { length: GROUP_TAG_SLOTS },
      (_, slot) => `groups/<aws:PrincipalTag/group${slot}>/*`,
    );
    const resources = [
      ...['private', 'protected', 'public', 'shared'].map((level) => `${level}/${sub}/*`),
      'protected/*',
      'public/*',
      `shared/*/${sub}/*`,
      ...slots,
    ];
    expect(onRole.map((ack) => ack.id).sort()).toEqual(
      resources.map((resource) => `AwsSolutions-IAM5[Resource::${arn}/${resource}]`).sort(),
    );
    // Each group slot's reason names the session tag that binds it.
    for (const [slot, resource] of slots.entries()) {
      const ack = onRole.find((candidate) => candidate.id.endsWith(`${arn}/${resource}]`));
      expect(ack?.reason).toContain(`\${aws:PrincipalTag/group${slot}}`);
    }
  });

  it('acknowledges nothing for the whole app or stack: each one sits on the resource it is about', () => {
    const broad = acknowledgements(synth.app).filter(
      (ack) =>
        ack.path === '' || ack.path === synth.stack.node.path || ack.path === synth.stack.userFiles.node.path,
    );
    expect(broad).toEqual([]);
  });
});
