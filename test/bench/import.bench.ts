import { previewSshConfig } from '../../electron/services/fleet/import-ssh-config.js';

/** ssh_config import of N hosts with wildcard defaults and an Include-free Match, median of 5 runs (ms). */
export async function benchSshConfigImport(hostCounts = [1000, 2000, 8000]): Promise<{ hosts: number; medianMs: number }[]> {
  const out: { hosts: number; medianMs: number }[] = [];
  for (const n of hostCounts) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(`Host n${i}`, `  HostName 10.${(i >> 8) & 255}.${i & 255}.1`, `  User u${i % 7}`);
    lines.push('Match host 10.1.*', '  Port 2222', 'Host n1*', '  IdentityFile ~/.ssh/id_ed25519', 'Host *', '  User default');
    const text = lines.join('\n');
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      const preview = await previewSshConfig(text, 'bench', '/nonexistent');
      times.push(performance.now() - t0);
      if (preview.nodes.length !== n) throw new Error(`import bench: ${preview.nodes.length} of ${n} hosts`);
    }
    times.sort((a, b) => a - b);
    out.push({ hosts: n, medianMs: times[2]! });
  }
  return out;
}
