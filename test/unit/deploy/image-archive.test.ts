import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pack } from 'tar-stream';
import { readImageArchive } from '../../../electron/services/deploy/image-archive.js';
import { makeTempDir } from '../../helpers/temp-dir.js';
import crypto from 'node:crypto';

async function tarOf(file: string, entries: Record<string, string>) {
  const p = pack();
  for (const [name, body] of Object.entries(entries)) p.entry({ name }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  fs.writeFileSync(file, Buffer.concat(chunks));
}

describe('image archives the console pushes', () => {
  it('knows the image id from a docker archive and from an OCI archive: the digest of the config', async () => {
    const tmp = makeTempDir('edgeward-archive-');
    try {
      const config = '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}';
      const id = `sha256:${crypto.createHash('sha256').update(config).digest('hex')}`;
      await tarOf(path.join(tmp.dir, 'docker.tar'), {
        [`${id.slice(7)}.json`]: config,
        'manifest.json': JSON.stringify([{ Config: `${id.slice(7)}.json`, RepoTags: ['localhost/cxr:1'], Layers: [] }]),
      });
      expect(await readImageArchive(path.join(tmp.dir, 'docker.tar'))).toMatchObject({ imageId: id, repoTags: ['localhost/cxr:1'] });
      const manifest = JSON.stringify({ schemaVersion: 2, config: { digest: id, size: config.length }, layers: [] });
      const mdigest = crypto.createHash('sha256').update(manifest).digest('hex');
      await tarOf(path.join(tmp.dir, 'oci.tar'), {
        'oci-layout': '{"imageLayoutVersion":"1.0.0"}',
        'index.json': JSON.stringify({
          manifests: [{ digest: `sha256:${mdigest}`, annotations: { 'org.opencontainers.image.ref.name': 'cxr:1' } }],
        }),
        [`blobs/sha256/${mdigest}`]: manifest,
        [`blobs/sha256/${id.slice(7)}`]: config,
      });
      expect(await readImageArchive(path.join(tmp.dir, 'oci.tar'))).toMatchObject({ imageId: id, repoTags: ['cxr:1'] });
      fs.writeFileSync(path.join(tmp.dir, 'notes.txt'), 'not a tar at all, just text '.repeat(40));
      await expect(readImageArchive(path.join(tmp.dir, 'notes.txt'))).rejects.toMatchObject({
        appError: { code: 'VALIDATION', message: expect.stringContaining('is not an image archive Edgeward can push') },
      });
      await expect(readImageArchive(path.join(tmp.dir, 'missing.tar'))).rejects.toMatchObject({ appError: { code: 'NOT_FOUND' } });
    } finally {
      tmp.cleanup();
    }
  });
});
