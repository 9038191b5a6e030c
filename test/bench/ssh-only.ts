// Runs only the SSH comparison (slow: Ansible); `npm run bench` runs it too.
import { benchSsh } from './ssh.bench.js';
console.log(JSON.stringify(await benchSsh(), null, 1));
