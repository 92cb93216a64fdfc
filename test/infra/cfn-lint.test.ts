/**
 * cfn-lint (preinstalled, offline) over the synthesized templates: the default deployment and the
 * `removalPolicy=destroy` variant, which adds CDK's bucket-emptying custom resource, and the
 * `accessMode=direct` variant (user-pool login provider, identity directory), and the
 * `malwareScanning` variant (the GuardDuty plan, its rule, the bucket-policy statements).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { synthesize, synthesized } from '../support/synth';

interface Finding {
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path: (string | number)[] };
  readonly Message: string;
}

const lintDir = mkdtempSync(join(tmpdir(), 'user-files-cfn-lint-'));
afterAll(() => rmSync(lintDir, { recursive: true, force: true }));

describe('cfn-lint', () => {
  it('finds no error in the templates', () => {
    const templates = {
      'default.template.json': synthesized().templatePath,
      'destroy.template.json': synthesize({ bundle: false, context: { removalPolicy: 'destroy' } })
        .templatePath,
      'direct.template.json': synthesize({ bundle: false, context: { accessMode: 'direct' } }).templatePath,
      'scanning.template.json': synthesize({
        bundle: false,
        context: { malwareScanning: JSON.stringify({ prefixes: ['public/'], onUnsupported: 'serve' }) },
      }).templatePath,
    };
    for (const [name, source] of Object.entries(templates)) copyFileSync(source, join(lintDir, name));

    const run = spawnSync(
      'cfn-lint',
      [
        '--format',
        'json',
        '--non-zero-exit-code',
        'error',
        '--regions',
        'us-east-1',
        'eu-west-1',
        '--',
        ...Object.keys(templates),
      ],
      { cwd: lintDir, encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const findings = JSON.parse(run.stdout) as Finding[];
    expect(findings.filter((finding) => finding.Level === 'Error')).toEqual([]);

    // The only warnings allowed: W3005 on the DependsOn that aws-cdk-lib itself adds from a
    // function to its execution role (redundant with the Role GetAtt, harmless, not ours to remove).
    for (const finding of findings) {
      expect(finding.Rule.Id, finding.Message).toBe('W3005');
      expect(finding.Location.Path[2], finding.Message).toBe('DependsOn');
      expect(finding.Message).toMatch(
        /dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role'/,
      );
    }
  });
});
