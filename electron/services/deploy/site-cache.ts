import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { agentsDir } from '../agents/agent-script.js';
import { shellQuote } from '../ssh/shell-quote.js';
import type { ImageArchive } from './image-archive.js';
import { nodeCopyPaths, pushArchive, type PushOptions } from './image-push.js';
import type { ModelFile, ModelManifest } from './model-manifest.js';
import { lastLine, type NodeExec } from './node-exec.js';

/** Archives, and model versions' files, a site cache keeps (least recently used go first). */
const KEEP = 3;
/** Model files on a cache, by SHA-256 (per host: a shared home must not mix caches). */
const BLOBS = '"${HOME:-/tmp}/.cache/edgeward/blobs/$(hostname)"';

const hashOf = (out: string) => /^[0-9a-f]{64}/.exec(out.trim())?.[0];

/**
 * The cache's own address towards a node of its site (what the node fetches from), as the cache
 * routes to it: a node listed by name is resolved there first (`ip route get` takes addresses only).
 */
export function routeSourceCommand(nodeHost: string): string {
  const name = shellQuote(nodeHost);
  // getent answers an address with itself; without getent the name goes to ip as given.
  return `a=$(getent ahosts ${name} 2>/dev/null | awk 'NR==1{print $1}'); [ -n "$a" ] || a=${name}; ip -o route get "$a" 2>/dev/null | sed -n 's/.* src \\([0-9a-fA-F.:]*\\).*/\\1/p'`;
}

/**
 * Once per site: an image or a model file crosses the site's link once, to the site's cache (its
 * gateway), and the site's nodes fetch it from there inside the site. The cache serves only those
 * files, under a token of this fetch, for as long as the fetch takes; each node checks the SHA-256
 * of what it fetched before it uses it. Transfers to one cache are shared by the nodes that wait
 * for them.
 */
export class SiteCache {
  private readonly sending = new Map<string, Promise<void>>();

  constructor(private readonly exec: NodeExec) {}

  /** One transfer to a cache per key at a time; later callers wait for it. */
  private once(key: string, send: () => Promise<void>): Promise<void> {
    let p = this.sending.get(key);
    if (!p) {
      p = send().finally(() => this.sending.delete(key));
      this.sending.set(key, p);
    }
    return p;
  }

  /** The archive on the cache node, sent (resumably) only if it is not there whole already. */
  ensure(cache: string, archive: ImageArchive, o: PushOptions = {}): Promise<void> {
    return this.once(`${cache}|${archive.sha256}`, async () => {
      await pushArchive(this.exec, cache, archive, o);
      const { dir, done } = nodeCopyPaths(archive);
      // Recently used first; the oldest beyond KEEP go.
      await this.exec(cache, `touch ${done}; cd ${dir} && ls -t *.tar 2>/dev/null | tail -n +${KEEP + 1} | xargs -r rm -f`);
    });
  }

  /** From the cache to one node of its site (reached at `nodeHost` from the cache), checked whole. */
  async fanOut(cache: string, node: string, nodeHost: string, archive: ImageArchive, signal: AbortSignal): Promise<void> {
    const { dir, done } = nodeCopyPaths(archive);
    await this.serving(cache, node, nodeHost, dir, signal, async (url) => {
      const fetched = await this.exec(
        node,
        `mkdir -p ${dir} && curl -fsS --max-time 7200 -o ${done}.part ${shellQuote(url(`${archive.sha256}.tar`))} && sha256sum ${done}.part`,
        { signal, timeoutMs: 7_200_000 },
      );
      const got = hashOf(fetched.stdout.toString('utf8'));
      if (fetched.exitCode !== 0) throw new Error(`${node} could not fetch the image from ${cache}: ${lastLine(fetched)}`);
      if (got !== archive.sha256) {
        await this.exec(node, `rm -f ${done}.part`);
        throw new Error(
          `${node} fetched the image from ${cache} with SHA-256 ${got?.slice(0, 16)}…, the archive's is ${archive.sha256.slice(0, 16)}…: refused`,
        );
      }
      const moved = await this.exec(node, `mv -f ${done}.part ${done}`, { signal });
      if (moved.exitCode !== 0) throw new Error(`${node}: ${lastLine(moved)}`);
    });
  }

  /**
   * A model version's files on the cache, by SHA-256: only those it lacks cross the site link,
   * each checked as it lands. The cache keeps the files of its KEEP latest versions.
   */
  async ensureModelFiles(cache: string, version: ModelManifest, source: string, files: ModelFile[], signal: AbortSignal): Promise<number> {
    const listed = await this.exec(cache, `mkdir -p ${BLOBS}/versions && chmod 700 ${BLOBS} && cd ${BLOBS} && ls`, { signal });
    if (listed.exitCode !== 0) throw new Error(`cannot prepare the site cache ${cache} for the model: ${lastLine(listed)}`);
    const held = new Set(listed.stdout.toString('utf8').split('\n'));
    let sentBytes = 0;
    for (const f of files.filter((x, i, all) => !held.has(x.sha256) && all.findIndex((y) => y.sha256 === x.sha256) === i)) {
      await this.once(`${cache}|${f.sha256}`, async () => {
        // Another node's transfer may have brought it since the listing.
        if ((await this.exec(cache, `test -f ${BLOBS}/${f.sha256}`, { signal })).exitCode === 0) return;
        const part = `${BLOBS}/${f.sha256}.part`;
        const wrote = await this.exec(cache, `cat > ${part} && sha256sum ${part}`, {
          signal,
          stdin: fs.createReadStream(path.join(source, f.path)),
          timeoutMs: 24 * 3_600_000,
        });
        if (wrote.exitCode !== 0 || hashOf(wrote.stdout.toString('utf8')) !== f.sha256) {
          await this.exec(cache, `rm -f ${part}`);
          throw new Error(
            `sending ${f.path} to the site cache ${cache} failed: ${wrote.exitCode !== 0 ? lastLine(wrote) : 'it arrived changed'}`,
          );
        }
        await this.exec(cache, `mv -f ${part} ${BLOBS}/${f.sha256}`, { signal });
        sentBytes += f.size;
      });
    }
    // This version is the newest; files no kept version names go.
    const hex = version.digest.replace(/^sha256:/, '');
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a model digest: ${version.digest}`);
    await this.exec(
      cache,
      `cd ${BLOBS} && cat > versions/${hex} && (cd versions && ls -t | tail -n +${KEEP + 1} | xargs -r rm -f) && cat versions/* | sort -u > .keep && for b in [0-9a-f]*; do case "$b" in *.part) ;; *) grep -qx "$b" .keep || rm -f "$b" ;; esac; done; rm -f .keep`,
      { signal, stdin: version.files.map((f) => `${f.sha256}\n`).join('') },
    );
    return sentBytes;
  }

  /** Model files from the cache into `incoming` on one node of its site, each checked by its SHA-256. */
  async fetchModelFiles(cache: string, node: string, nodeHost: string, incoming: string, files: ModelFile[], signal: AbortSignal) {
    if (!files.length) return;
    await this.serving(cache, node, nodeHost, BLOBS, signal, async (url) => {
      const q = shellQuote;
      const fetch = files
        .map(
          (f) =>
            `mkdir -p ${q(path.posix.dirname(`${incoming}/${f.path}`))} && curl -fsS --max-time 86400 -o ${q(`${incoming}/${f.path}`)} ${q(url(f.sha256))}`,
        )
        .join(' && ');
      const got = await this.exec(node, `${fetch} && cd ${q(incoming)} && sha256sum -c --quiet - 2>&1`, {
        signal,
        stdin: files.map((f) => `${f.sha256}  ${f.path}\n`).join(''),
        timeoutMs: 24 * 3_600_000,
      });
      if (got.exitCode !== 0) throw new Error(`${node} could not fetch the model from the site cache ${cache}: ${lastLine(got)}`);
    });
  }

  /** Runs `use` while the cache serves `dir` to the node under a fresh token; the server stops after. */
  private async serving(
    cache: string,
    node: string,
    nodeHost: string,
    dir: string,
    signal: AbortSignal,
    use: (url: (name: string) => string) => Promise<void>,
  ): Promise<void> {
    const route = await this.exec(cache, routeSourceCommand(nodeHost), { signal });
    const address = route.stdout.toString('utf8').trim();
    if (!/^[0-9a-fA-F.:]+$/.test(address)) throw new Error(`${cache} has no route to ${node} (${nodeHost}) to serve it inside the site`);
    const token = crypto.randomBytes(16).toString('hex');
    const stop = new AbortController();
    const stopAll = () => stop.abort();
    signal.addEventListener('abort', stopAll, { once: true });
    let port: number | undefined;
    let ready: () => void = () => undefined;
    const listening = new Promise<void>((r) => (ready = r));
    const program = fs.readFileSync(path.join(agentsDir(), 'site-cache-serve.py'));
    const served = this.exec(cache, `timeout 86400 python3 -u - ${shellQuote(address)} ${dir} ${token}`, {
      stdin: program,
      signal: stop.signal,
      timeoutMs: 86_400_000,
      onLine: (line) => {
        const m = /^port (\d+)$/.exec(line.trim());
        if (!m) return;
        port = Number(m[1]);
        ready();
      },
    });
    try {
      await Promise.race([listening, served.then((r) => Promise.reject(new Error(`${cache} could not serve the site: ${lastLine(r)}`)))]);
      const host = address.includes(':') ? `[${address}]` : address;
      await use((name) => `http://${host}:${port}/${token}/${name}`);
    } finally {
      stop.abort();
      signal.removeEventListener('abort', stopAll);
      await served.catch(() => undefined);
    }
  }
}
