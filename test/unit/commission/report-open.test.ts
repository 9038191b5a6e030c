import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DocumentShelf } from '../../../electron/ipc/document-shelf.js';
import { startLoopbackServer } from '../../../electron/ipc/loopback-server.js';
import { Router } from '../../../electron/ipc/router.js';
import { readReport, savePdf } from '../../../electron/services/commission/report-files.js';
import type { StoredSession } from '../../../electron/services/commission/session-files.js';
import { verifyReport } from '../../../electron/services/commission/reports.js';
import { AuditIndex } from '../../../electron/services/audit/audit-index.js';
import { openLog } from '../../helpers/audit.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import crypto from 'node:crypto';

const sha = (b: string | Buffer) => crypto.createHash('sha256').update(b).digest('hex');

function signedSession(dir: string, html: string): StoredSession {
  const reportFile = path.join(dir, 's1.html');
  fs.writeFileSync(reportFile, html);
  return {
    session: {
      id: 's1',
      node: 'clinic-new',
      profileName: 'Clinic',
      profileText: 'name: Clinic',
      startedAt: 1,
      updatedAt: 1,
      sections: [],
      overrides: [],
      signoff: { by: 'Kim Field', role: 'biomedical engineer', at: 2, verdict: 'pass', reportFile, reportSha256: sha(html) },
    } as unknown as StoredSession['session'],
    outputs: {},
    timings: {},
    hostKey: 'SHA256:x',
  };
}

describe('opening a signed report', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('says whether the report still has the hash recorded at sign-off', () => {
    const stored = signedSession(tmp.dir, '<p>Verdict: PASS</p>');
    expect(readReport(stored)).toMatchObject({ intact: true, html: '<p>Verdict: PASS</p>' });
    fs.appendFileSync(stored.session.signoff!.reportFile, '<!-- edited -->');
    expect(readReport(stored).intact).toBe(false);
    fs.rmSync(stored.session.signoff!.reportFile);
    expect(() => readReport(stored)).toThrow(/cannot be read: ENOENT/);
    expect(() => readReport(undefined)).toThrow(/no signed report/);
  });

  it('keeps a printed PDF beside the report, records its hash, and verify knows the PDF', async () => {
    const dir = path.join(tmp.dir, 'pdf');
    fs.mkdirSync(dir);
    const log = await openLog(dir);
    const stored = signedSession(dir, '<p>Verdict: PASS</p>');
    const saved: StoredSession[] = [];
    await expect(savePdf({ audit: log, save: (s) => saved.push(s) }, stored, Buffer.from('<html>not a pdf'))).rejects.toThrow(
      /gave no PDF/,
    );
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    const out = await savePdf({ audit: log, save: (s) => saved.push(s) }, stored, pdf);
    expect(out).toEqual({ file: path.join(dir, 's1.pdf'), sha256: sha(pdf) });
    expect(fs.readFileSync(out.file)).toEqual(pdf);
    expect(saved.at(-1)?.session.signoff?.pdf).toMatchObject({ file: out.file, sha256: sha(pdf) });
    const index = new AuditIndex(dir);
    expect(verifyReport(index, out.file)).toMatchObject({ ok: true, sha256: sha(pdf) });
    fs.appendFileSync(out.file, 'x');
    expect(verifyReport(index, out.file).ok).toBe(false);
  });

  it('serves a document once, for two minutes, with its own CSP, and nothing at any other /doc path', async () => {
    const shelf = new DocumentShelf(120_000);
    const server = await startLoopbackServer({ router: new Router(), documents: shelf });
    try {
      const url = `http://127.0.0.1:${server.port}`;
      const link = shelf.put('<h1>Report</h1>', "default-src 'none'");
      const first = await fetch(url + link);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-security-policy')).toBe("default-src 'none'");
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(await first.text()).toBe('<h1>Report</h1>');
      const second = await fetch(url + link);
      expect(second.status).toBe(404);
      expect(await second.text()).toMatch(/used or has expired/);
      expect((await fetch(`${url}/doc/../../etc/passwd`)).status).toBe(404);
      const old = shelf.put('<h1>old</h1>', "default-src 'none'", Date.now() - 121_000);
      expect((await fetch(url + old)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
