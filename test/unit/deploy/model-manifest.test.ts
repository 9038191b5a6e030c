import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { manifestLines, modelManifest, parseManifest } from '../../../electron/services/deploy/model-manifest.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

describe('model manifests', () => {
  it('lists every file with its size and SHA-256 (sha256sum as the oracle), and one changed byte changes the digest', () => {
    const tmp = makeTempDir('edgeward-model-');
    try {
      fs.mkdirSync(path.join(tmp.dir, 'weights'), { recursive: true });
      fs.writeFileSync(path.join(tmp.dir, 'config.json'), '{"labels":["effusion"]}');
      fs.writeFileSync(path.join(tmp.dir, 'weights', 'model.onnx'), Buffer.alloc(3 << 20, 7));
      const m = modelManifest(tmp.dir);
      expect(m.files.map((f) => f.path)).toEqual(['config.json', 'weights/model.onnx']);
      const oracle = spawnSync('sha256sum', ['config.json', 'weights/model.onnx'], { cwd: tmp.dir, encoding: 'utf8' }).stdout;
      expect(m.files.map((f) => `${f.sha256}  ${f.path}`).join('\n')).toBe(oracle.trim());
      expect(m.files[1]!.size).toBe(3 << 20);
      // What a node keeps is believed only when it hashes to the revision's digest.
      expect(parseManifest(manifestLines(m.files), m.digest)).toEqual(m);
      expect(parseManifest(manifestLines(m.files).replace(/^./, '0'), m.digest)).toBeUndefined();
      fs.appendFileSync(path.join(tmp.dir, 'config.json'), ' ');
      expect(modelManifest(tmp.dir).digest).not.toBe(m.digest);
    } finally {
      tmp.cleanup();
    }
  });

  it('refuses links, names a node could misread, and an empty or missing directory', () => {
    const tmp = makeTempDir('edgeward-model-');
    try {
      expect(() => modelManifest(path.join(tmp.dir, 'none'))).toThrow(/is not a directory on this machine/);
      expect(() => modelManifest(tmp.dir)).toThrow(/it holds no file/);
      fs.writeFileSync(path.join(tmp.dir, 'a b.bin'), 'x');
      expect(() => modelManifest(tmp.dir)).toThrow(/the file name "a b.bin" has characters/);
      fs.rmSync(path.join(tmp.dir, 'a b.bin'));
      fs.symlinkSync('/etc/passwd', path.join(tmp.dir, 'passwd'));
      expect(() => modelManifest(tmp.dir)).toThrow(/passwd is a link or special file/);
    } finally {
      tmp.cleanup();
    }
  });
});
