// A child process making inventory changes as a CLI would, at the same time as others (lost-write tests).
import { createBackend } from '../../electron/app/backend.js';

const [dataDir, prefix, countText] = process.argv.slice(2);
if (!dataDir || !prefix || !countText) throw new Error('usage: inventory-writer.ts DATA_DIR PREFIX COUNT');
const count = Number(countText);
const backend = await createBackend({ dataDir, transport: 'cli' });
const done: string[] = [];
try {
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    await backend.inventory.add({ name, host: `10.${i >> 8}.${i & 255}.${prefix.length}`, site: prefix });
    done.push(`add ${name}`);
    if (i % 3 === 0) {
      await backend.inventory.edit(name, { notes: `edited by ${prefix}` });
      done.push(`edit ${name}`);
    }
    if (i % 5 === 0) {
      await backend.inventory.setEnabled(name, false, 'maintenance window');
      done.push(`disable ${name}`);
    }
    if (i % 7 === 0) {
      await backend.inventory.remove(name);
      done.push(`remove ${name}`);
    }
  }
} finally {
  await backend.close();
}
process.stdout.write(JSON.stringify(done));
