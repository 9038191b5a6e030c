import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelSources } from '../../../electron/services/deploy/model-source.js';
import { modelManifest } from '../../../electron/services/deploy/model-manifest.js';
import { parseSpec } from '../../../shared/deploy/spec.js';
import { pushArtifact, registryDigest, startSecureRegistry, type SecureRegistry } from '../../helpers/registry.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

/** Model weights as an OCI artifact in the real distribution server (TLS, login), fetched by the console. */
describe('models from a registry as OCI artifacts', () => {
  const tmp = makeTempDir('edgeward-model-art-');
  let reg: SecureRegistry;
  const files = [
    { title: 'config.json', data: Buffer.from('{"labels":["effusion"]}\n') },
    { title: 'weights/model.onnx', data: crypto.randomBytes(300 * 1024) },
  ];
  const sources = (dir = 'models') => new ModelSources(path.join(tmp.dir, dir), () => reg.options());

  beforeAll(async () => {
    reg = await startSecureRegistry(path.join(tmp.dir, 'reg'));
  }, 60_000);
  afterAll(async () => {
    await reg?.stop();
    tmp.cleanup();
  });

  it('pins the artifact to the digest the registry serves, and its files make the same model as the directory they came from', async () => {
    const { ref, digest } = pushArtifact(reg, 'models/cxr', '3', files);
    expect(registryDigest(reg, ref)).toBe(digest);
    const local = path.join(tmp.dir, 'local');
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(local, f.title)), { recursive: true });
      fs.writeFileSync(path.join(local, f.title), f.data);
    }
    const resolved = await sources().resolve(ref);
    expect(resolved).toEqual({ source: `${ref}@${digest}`, digest: modelManifest(local).digest });
    // The spec takes the pinned form, so the revision names the artifact exactly.
    expect(
      parseSpec(
        `name: cxr\nimage: reg.example/cxr:1\nmodel:\n  source: ${resolved.source}\n  hostPath: /m\n  container: /m\ntargets:\n  nodes: [a]\n`,
      ).problems,
    ).toEqual([]);
    // Another console process finds the copy by the pinned digest, and the model is what the revision says.
    const again = await sources().local(resolved);
    expect(again.manifest.digest).toBe(resolved.digest);
    expect(fs.readFileSync(path.join(again.dir, 'weights', 'model.onnx')).equals(files[1]!.data)).toBe(true);
  });

  it('refuses packed directories and file names a node could misread, keeping nothing', async () => {
    const packed = pushArtifact(reg, 'models/packed', '1', [
      { title: 'weights', data: Buffer.from('not really a tgz'), annotations: { 'io.deis.oras.content.unpack': 'true' } },
    ]);
    await expect(sources('bad').resolve(packed.ref)).rejects.toMatchObject({
      appError: { code: 'UNAVAILABLE', message: expect.stringContaining('weights is a packed directory; push the files themselves') },
    });
    const escape = pushArtifact(reg, 'models/escape', '1', [{ title: '../../etc/cron.d/x', data: Buffer.from('* * * * * root true\n') }]);
    await expect(sources('bad').resolve(escape.ref)).rejects.toMatchObject({
      appError: { message: expect.stringContaining('has no file name a node could take ("../../etc/cron.d/x")') },
    });
    await expect(sources('bad').resolve(`${reg.host}/models/none:1`)).rejects.toMatchObject({
      appError: { message: expect.stringContaining(`has no models/none:1`) },
    });
    expect(fs.existsSync(path.join(tmp.dir, 'etc'))).toBe(false);
    const bad = path.join(tmp.dir, 'bad');
    expect(fs.existsSync(bad) ? fs.readdirSync(bad) : []).toEqual([]);
  });

  it('takes a directory or a registry reference as the source, nothing else', () => {
    const problems = (source: string) =>
      parseSpec(
        `name: cxr\nimage: reg.example/cxr:1\nmodel:\n  source: ${source}\n  hostPath: /m\n  container: /m\ntargets:\n  nodes: [a]\n`,
      ).problems;
    expect(problems('/srv/models/cxr')).toEqual([]);
    expect(problems('reg.example:5000/models/cxr:3')).toEqual([]);
    for (const bad of ['models/cxr', 'relative/dir', '"reg.example/x;rm -rf /"'])
      expect(problems(bad), bad).toEqual([expect.objectContaining({ path: 'model.source' })]);
  });
});
