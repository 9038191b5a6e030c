// `npm test`: everything CI checks, in order: system packages, types, lint, then the unit,
// integration (simulated fleet) and end-to-end (Chromium) suites. Ends with one summary line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const step = (title, cmd, args) => {
  console.log(`\n▶ ${title}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' } });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const failures = [];
// The failed tests again, by name, at the very end: CI keeps only the tail of a long log.
const failedTests = [];

if (!step('System packages for the test bed', 'bash', ['scripts/ensure-test-deps.sh'])) process.exit(1);
for (const [title, cmd, args] of [
  ['Type check', 'npm', ['run', '--silent', 'typecheck']],
  ['Lint and formatting', 'npm', ['run', '--silent', 'lint']],
]) {
  if (!step(title, cmd, args)) failures.push(title);
}

fs.mkdirSync('test-results', { recursive: true });
for (const project of ['unit', 'integration', 'e2e']) {
  const report = `test-results/vitest-${project}.json`;
  fs.rmSync(report, { force: true });
  const ok = step(`Vitest: ${project}`, 'npx', [
    'vitest',
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  if (fs.existsSync(report)) {
    const r = JSON.parse(fs.readFileSync(report, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    if (r.numTotalTests === 0) failures.push(`${project}: no tests ran`);
    for (const file of r.testResults ?? []) {
      if (file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed')) {
        const why = String(file.message ?? '')
          .split('\n')[0]
          .slice(0, 300);
        failed += 1;
        failedTests.push(`${project}: ${file.name.replace(process.cwd() + '/', '')} (the file itself: set-up or clean-up)\n    ${why}`);
      }
      for (const t of file.assertionResults ?? []) {
        if (t.status !== 'failed') continue;
        const why = String(t.failureMessages?.[0] ?? '')
          .split('\n')[0]
          .slice(0, 300);
        failedTests.push(`${project}: ${file.name.replace(process.cwd() + '/', '')} > ${t.fullName}\n    ${why}`);
      }
    }
  }
  if (!ok) failures.push(`${project} suite`);
}

console.log('');
for (const t of failedTests) console.log(`✗ ${t}`);
if (failures.length) console.log(`Failed steps: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed (tests and suites)`);
process.exit(failures.length === 0 && failed === 0 ? 0 : 1);
