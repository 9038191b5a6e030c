import { afterAll, describe, expect, it } from 'vitest';
import { sanitizeParams } from '../../../electron/services/audit/redact.js';
import { allBytes, openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const SECRET = 'Tr0ub4dor&3-hunter2-XYZZY';
const PEM = `-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA${SECRET}\n-----END OPENSSH PRIVATE KEY-----`;

describe('audit redaction', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('never writes a secret passed in any parameter, error or reason', async () => {
    const log = await openLog(tmp.dir);
    const attempts: Record<string, unknown>[] = [
      { password: SECRET },
      { passphrase: SECRET, host: 'rad-01' },
      { host: SECRET.length > 0 ? `ssh://admin:${SECRET}@rad-01` : '' },
      { notes: `the password=${SECRET} is temporary` },
      { notes: PEM },
      { notes: { nested: { apiToken: SECRET } } },
      {
        env: [
          { name: 'PACS_PASSWORD', value: SECRET, secret: true },
          { name: 'MODEL', value: 'v2' },
        ],
      },
      { command: `curl -H "Authorization: Bearer ${SECRET}abcdefgh" http://x` },
      { privateKey: PEM },
      { inputs: [{ data: [SECRET] }] }, // an inference payload: never allowed
      { token: SECRET },
    ];
    for (const params of attempts) {
      await log.append({ action: 'node.add', params, outcome: 'ok', durationMs: 1 });
      await log.append({ action: 'deploy.apply', params, outcome: 'ok', durationMs: 1 });
      await log.append({
        action: 'fleet.exec',
        params,
        outcome: 'failed',
        error: `ssh: password=${SECRET} rejected`,
        durationMs: 1,
        reason: `token ${SECRET}zzzzzzzzzzzz`,
      });
    }
    const bytes = allBytes(tmp.dir);
    expect(bytes.length).toBeGreaterThan(1000);
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain('hunter2');
  });

  it('keeps what is allowed, names what was dropped, keeps the names of secret env entries', () => {
    const out = sanitizeParams('deploy.apply', {
      image: 'registry.local/rad/cxr:2.1',
      env: [{ name: 'PACS_PASSWORD', value: 'x', secret: true }],
      inputs: [1, 2, 3],
      password: 'x',
    });
    expect(out).toEqual({
      image: 'registry.local/rad/cxr:2.1',
      env: [{ name: 'PACS_PASSWORD', secret: true, value: '[secret]' }],
      droppedParams: ['inputs', 'password'],
    });
  });
});
