/**
 * Lists the functions (methods, constructors and arrow functions included) of the project's own
 * TypeScript outside `test/` that run past N lines: `npx tsx scripts/function-lengths.ts [N] [folder...]`.
 * A function a newcomer cannot read at once is a room to split (docs/architecture.md, layout).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const limit = Number(process.argv[2] ?? 80);
const folders = process.argv.slice(3);
const files = execFileSync('git', ['ls-files', '*.ts', '*.tsx'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && !file.endsWith('.d.ts') && !file.startsWith('test/'))
  .filter((file) => folders.length === 0 || folders.some((folder) => file.startsWith(folder)));

function nameOf(node: ts.FunctionLikeDeclaration): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name) return node.name.getText();
  return ts.isVariableDeclaration(node.parent) ? node.parent.name.getText() : '(anonymous)';
}

const long: { lines: number; where: string; name: string }[] = [];
for (const file of files) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart()).line;
      const lines = source.getLineAndCharacterOfPosition(node.end).line - first + 1;
      if (lines > limit) long.push({ lines, where: `${file}:${first + 1}`, name: nameOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
for (const { lines, where, name } of long.sort((a, b) => b.lines - a.lines))
  console.log(`${lines}\t${where}\t${name}`);
console.log(`${long.length} functions over ${limit} lines`);
