// A child process pinning host keys as `edgeward trust` would, at the same time as another (lost-write tests).
import { KnownHostsStore } from '../../electron/services/ssh/known-hosts.js';
import { fixtureIntent } from './intent.js';

const [file, prefix, count] = process.argv.slice(2);
if (!file || !prefix || !count) throw new Error('usage: pin-writer.ts FILE PREFIX COUNT');
const store = new KnownHostsStore(file);
const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIJGjS4xS6Egn1IxzNs9XlUIglphDjwFc6H0A5Ryf4l3e';
for (let i = 0; i < Number(count); i++) store.pin(`${prefix}-${i}`, 'ssh-ed25519', key, fixtureIntent('hostkey.trust'));
