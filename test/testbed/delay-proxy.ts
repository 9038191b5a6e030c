/**
 * Adds latency to a node's SSH port (this kernel has no tc netem): runs in the node's network
 * namespace, receives port 22 through an nftables redirect and forwards to sshd, holding every
 * chunk for --delay-ms in each direction. Order is kept: equal delays fire in arrival order.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { listen: { type: 'string' }, target: { type: 'string' }, 'delay-ms': { type: 'string' } } });
const [lhost, lport] = (values.listen ?? '0.0.0.0:2399').split(':');
const [thost, tport] = (values.target ?? '127.0.0.1:22').split(':');
const delay = Number(values['delay-ms'] ?? 0);

function pipeDelayed(from: net.Socket, to: net.Socket): void {
  from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delay));
  from.on('end', () => setTimeout(() => to.end(), delay));
  from.on('error', () => to.destroy());
}

net
  .createServer((client) => {
    const upstream = net.connect(Number(tport), thost);
    pipeDelayed(client, upstream);
    pipeDelayed(upstream, client);
  })
  .listen(Number(lport), lhost);
