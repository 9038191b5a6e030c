// A child process that takes a claim in the state store and holds it until killed (claim tests).
import { Claims } from '../../electron/services/store/claims.js';

const [dbFile, what] = process.argv.slice(2);
if (!dbFile || !what) throw new Error('usage: claim-holder.ts DB WHAT');
const holder = Claims.open(dbFile).take(what);
process.stdout.write(holder ? `held by ${holder.pid}\n` : 'taken\n');
setInterval(() => undefined, 1000);
