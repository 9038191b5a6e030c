import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { routeSourceCommand } from '../../../electron/services/deploy/site-cache.js';

const run = (host: string) => spawnSync('sh', ['-c', routeSourceCommand(host)], { encoding: 'utf8' }).stdout.trim();

/** The cache's address towards a site node, by this machine's own resolver and routing table (ip, getent: the oracle). */
describe("the site cache's address towards a node", () => {
  it('takes addresses and names alike (a node listed by name was refused before)', () => {
    expect(run('127.0.0.1')).toBe('127.0.0.1');
    // `localhost` resolves through the hosts file, as a site's node names do on its gateway.
    expect(run('localhost')).toMatch(/^(127\.0\.0\.1|::1)$/);
  });

  it('gives nothing for a name that does not resolve, and keeps shell characters out of the command', () => {
    expect(run('no-such-node.invalid')).toBe('');
    expect(run("x'; touch /tmp/edgeward-pwned; '")).toBe('');
    expect(spawnSync('test', ['-e', '/tmp/edgeward-pwned']).status).toBe(1);
  });
});
