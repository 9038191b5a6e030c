import { parseArgs } from 'node:util';
import { cut, down, findNode, loadState, restore, setDelay, setLoss, setScenario, up } from './bed.js';
import { DEMO_SCENARIOS } from './demo-scenarios.js';
import { BED_DIR } from './layout.js';

/**
 * npm run bed:up -- [--nodes N] [--no-image]   start N simulated edge nodes
 * npm run bed:down                             remove everything the bed made
 * node --import tsx test/testbed/cli.ts status|cut|restore|loss|delay NODE [VALUE]
 * node --import tsx test/testbed/cli.ts scenario NODE normal|hot-gpu|xid|cut   (the demo's switcher)
 */
async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      nodes: { type: 'string', default: '20' },
      'no-image': { type: 'boolean', default: false },
      dir: { type: 'string', default: BED_DIR },
    },
  });
  const [command, nodeName, value] = positionals;
  const dir = values.dir;
  switch (command) {
    case 'up': {
      const state = await up({ nodes: Number(values.nodes), dir, image: !values['no-image'], log: (l) => console.log(l) });
      console.log(
        `Bed in ${state.dir}. Try: ssh -i ${state.privateKey} -o UserKnownHostsFile=${state.knownHosts} root@${state.nodes[0]?.address} nvidia-smi -L`,
      );
      return 0;
    }
    case 'down': {
      const report = await down(dir);
      console.log(`Removed ${report.namespaces} node namespaces, killed ${report.killed} processes.`);
      if (report.leftovers.length) {
        console.error(`Left behind:\n  ${report.leftovers.join('\n  ')}`);
        return 1;
      }
      return 0;
    }
    case 'status': {
      const state = loadState(dir);
      for (const n of state.nodes) console.log(`${n.name}\t${n.address}\t${n.netns}`);
      return 0;
    }
    case 'cut':
    case 'restore':
    case 'loss':
    case 'delay': {
      const state = loadState(dir);
      const node = findNode(state, nodeName ?? '');
      if (command === 'cut') cut(node);
      else if (command === 'restore') restore(node);
      else if (command === 'loss') setLoss(node, Number(value));
      else await setDelay(state, node, Number(value));
      return 0;
    }
    case 'scenario': {
      const state = loadState(dir);
      const node = findNode(state, nodeName ?? '');
      const s = DEMO_SCENARIOS[value ?? ''];
      if (!s) {
        console.error(`scenario must be one of ${Object.keys(DEMO_SCENARIOS).join(', ')}`);
        return 2;
      }
      if (s.cut) cut(node);
      else {
        restore(node);
        setScenario(node, s.scenario!);
      }
      console.log(`${node.name}: ${s.what}`);
      return 0;
    }
    default:
      console.error('usage: cli.ts up [--nodes N] [--no-image] | down | status | cut NODE | restore NODE | loss NODE PCT | delay NODE MS');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`testbed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
