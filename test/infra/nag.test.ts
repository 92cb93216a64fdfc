/**
 * cdk-nag (AwsSolutions) over the app as `cdk synth` builds it: no finding left unacknowledged,
 * every acknowledgement carries a written reason, and none is stale (each one silences a finding
 * that cdk-nag really reports).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnResource, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesize, synthesized } from '../support/synth';

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
    const findings = rawFindings(synth.app);
    const acknowledged = acknowledgements(synth.app).filter((ack) => ack.id.startsWith('AwsSolutions-'));
    for (const ack of acknowledged) {
      const matches = [...findings].filter((finding) => {
        const [ruleId, path] = finding.split(' @ ') as [string, string];
        return ruleId === ack.id && (path === ack.path || path.startsWith(`${ack.path}/`));
      });
      expect(matches, `stale acknowledgement ${ack.id} at ${ack.path}`).not.toEqual([]);
    }
    for (const finding of findings) {
      const [ruleId, path] = finding.split(' @ ') as [string, string];
      const covered = acknowledged.some(
        (ack) => ack.id === ruleId && (path === ack.path || path.startsWith(`${ack.path}/`)),
      );
      expect(covered, `unacknowledged ${finding}`).toBe(true);
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
