import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { agentsDir } from '../agents/agent-script.js';
import { shellQuote } from '../ssh/shell-quote.js';
import type { ImageArchive } from './image-archive.js';
import { nodeCopyPaths, pushArchive, type PushOptions } from './image-push.js';
import { lastLine, type NodeExec } from './node-exec.js';

/** Archives a site cache keeps (least recently used go first). */
const KEEP = 3;

/**
 * Once per site: the image crosses the site's link once, to the site's cache (its gateway), and
 * the site's nodes fetch it from there inside the site. The cache serves only that file, under a
 * token of this fetch, for as long as the fetch takes; each node checks the SHA-256 of the whole
 * file before it loads it. Transfers to one cache are shared by the nodes that wait for them.
 */
export class SiteCache {
  private readonly sending = new Map<string, Promise<void>>();

  constructor(private readonly exec: NodeExec) {}

  /** The archive on the cache node, sent (resumably) only if it is not there whole already. */
  ensure(cache: string, archive: ImageArchive, o: PushOptions = {}): Promise<void> {
    const key = `${cache}|${archive.sha256}`;
    let p = this.sending.get(key);
    if (!p) {
      p = (async () => {
        await pushArchive(this.exec, cache, archive, o);
        const { dir, done } = nodeCopyPaths(archive);
        // Recently used first; the oldest beyond KEEP go.
        await this.exec(cache, `touch ${done}; cd ${dir} && ls -t *.tar 2>/dev/null | tail -n +${KEEP + 1} | xargs -r rm -f`);
      })().finally(() => this.sending.delete(key));
      this.sending.set(key, p);
    }
    return p;
  }

  /** From the cache to one node of its site (reached at `nodeHost` from the cache), checked whole. */
  async fanOut(cache: string, node: string, nodeHost: string, archive: ImageArchive, signal: AbortSignal): Promise<void> {
    const { dir, done } = nodeCopyPaths(archive);
    const route = await this.exec(
      cache,
      `ip -o route get ${shellQuote(nodeHost)} 2>/dev/null | sed -n 's/.* src \\([0-9a-fA-F.:]*\\).*/\\1/p'`,
      { signal },
    );
    const address = route.stdout.toString('utf8').trim();
    if (!/^[0-9a-fA-F.:]+$/.test(address))
      throw new Error(`${cache} has no route to ${node} (${nodeHost}) to serve the image inside the site`);
    const token = crypto.randomBytes(16).toString('hex');
    const stop = new AbortController();
    const stopAll = () => stop.abort();
    signal.addEventListener('abort', stopAll, { once: true });
    let port: number | undefined;
    let ready: () => void = () => undefined;
    const listening = new Promise<void>((r) => (ready = r));
    const program = fs.readFileSync(path.join(agentsDir(), 'site-cache-serve.py'));
    const serving = this.exec(cache, `timeout 7200 python3 -u - ${shellQuote(address)} ${done} ${token}`, {
      stdin: program,
      signal: stop.signal,
      timeoutMs: 7_200_000,
      onLine: (line) => {
        const m = /^port (\d+)$/.exec(line.trim());
        if (!m) return;
        port = Number(m[1]);
        ready();
      },
    });
    try {
      await Promise.race([listening, serving.then((r) => Promise.reject(new Error(`${cache} could not serve the image: ${lastLine(r)}`)))]);
      const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}/${token}`;
      const fetched = await this.exec(
        node,
        `mkdir -p ${dir} && curl -fsS --max-time 7200 -o ${done}.part ${shellQuote(url)} && sha256sum ${done}.part`,
        { signal, timeoutMs: 7_200_000 },
      );
      const got = /^[0-9a-f]{64}/.exec(fetched.stdout.toString('utf8').trim())?.[0];
      if (fetched.exitCode !== 0) throw new Error(`${node} could not fetch the image from ${cache}: ${lastLine(fetched)}`);
      if (got !== archive.sha256) {
        await this.exec(node, `rm -f ${done}.part`);
        throw new Error(
          `${node} fetched the image from ${cache} with SHA-256 ${got?.slice(0, 16)}…, the archive's is ${archive.sha256.slice(0, 16)}…: refused`,
        );
      }
      const moved = await this.exec(node, `mv -f ${done}.part ${done}`, { signal });
      if (moved.exitCode !== 0) throw new Error(`${node}: ${lastLine(moved)}`);
    } finally {
      stop.abort();
      signal.removeEventListener('abort', stopAll);
      await serving.catch(() => undefined);
    }
  }
}
