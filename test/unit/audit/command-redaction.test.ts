import { describe, expect, it } from 'vitest';
import { redactCommand } from '../../../shared/command-redaction.js';
import { sanitizeParams } from '../../../electron/services/audit/redact.js';

const S = 'Hunter2-secret';

/** Real command lines with a secret in them, one or more per shape; the secret must never survive. */
const WITH_SECRETS: [string, string][] = [
  [`curl -u admin:${S} https://pacs.local/api`, 'curl user:password'],
  [`curl -uadmin:${S} https://pacs.local/api`, 'curl user:password'],
  [`curl --user 'admin:${S}' https://x`, 'curl user:password'],
  [`curl --user=admin:${S} https://x`, 'curl user:password'],
  [`curl --proxy-user p:${S} https://x`, 'curl user:password'],
  [`mysql -u root -p${S} clinical`, 'mysql -pPASSWORD'],
  [`mysqldump -h db -p'${S}' ehr > /tmp/x`, 'mysql -pPASSWORD'],
  [`mariadb --user=app -p${S}`, 'mysql -pPASSWORD'],
  [`psql --password=${S}`, 'secret option'],
  [`wget --http-password ${S} http://x`, 'secret option'],
  [`tool --db-password="${S} with space"`, 'secret option'],
  [`vault login --token ${S}`, 'secret option'],
  [`app --api-key=${S}`, 'secret option'],
  [`app --client-secret ${S}`, 'secret option'],
  [`git clone https://oauth2:${S}@git.local/repo.git`, 'URL credentials'],
  [`git clone https://${S}@git.local/repo.git`, 'URL credentials'],
  [`psql postgresql://app:p/a@${S}@db:5432/ehr`, 'URL credentials'],
  [`curl -H "Authorization: Bearer ${S}" http://x`, 'authorization header'],
  [`curl -H 'X-Api-Key: ${S}' http://x`, 'API key header'],
  [`curl -H "PRIVATE-TOKEN: ${S}" http://x`, 'API key header'],
  [`PGPASSWORD=${S} psql -h db`, 'secret variable'],
  [`export API_TOKEN='${S}'`, 'secret variable'],
  [`env DB_PASSWORD=${S} ./run`, 'secret variable'],
  [`sshpass -p ${S} ssh x`, 'password option'],
  [`redis-cli -a ${S} ping`, 'password option'],
  [`openssl pkcs12 -in a.p12 -passin pass:${S}`, 'openssl pass:'],
  [`echo password: ${S}`, 'password assignment'],
];

/** Commands with nothing secret: they are recorded as typed. */
const CLEAN = [
  'nvidia-smi -L',
  'ssh -p2222 host uptime',
  'podman run -p 8080:80 -u 1000:1000 img',
  'sudo -u postgres psql -c "select 1"',
  'mysql -u root -p clinical',
  'curl https://pacs.local/api/health',
  'ls --passive',
  'df -h /models',
];

describe('fleet command redaction', () => {
  for (const [cmd, shape] of WITH_SECRETS) {
    it(`${shape}: ${cmd.replaceAll(S, '…')}`, () => {
      const r = redactCommand(cmd);
      expect(r.text).not.toContain(S);
      expect(r.text).not.toContain('Hunter2');
      expect(r.redactions.map((x) => x.shape)).toContain(shape);
      // The audit log's own scrubbing applies the same shapes.
      expect(JSON.stringify(sanitizeParams('fleet.exec', { command: cmd }))).not.toContain('Hunter2');
    });
  }
  it('leaves commands without secrets exactly as typed', () => {
    for (const cmd of CLEAN) expect(redactCommand(cmd)).toEqual({ text: cmd, redactions: [] });
  });
});
