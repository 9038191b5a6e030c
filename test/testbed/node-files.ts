import fs from 'node:fs';
import path from 'node:path';
import { run } from './sh.js';
import { cdiSpec, writeDockerShim } from './artifacts.js';
import { Scenario, type ScenarioInput } from './scenario.js';
import { ALT_SSH_PORT, REGISTRY_ADDRESS, TEST_USER, type BedNode } from './layout.js';

/** Writes everything one node needs to boot: host key, sshd config, container config, init script. */
export function writeNodeFiles(bedDir: string, node: BedNode, scenario: ScenarioInput): void {
  fs.mkdirSync(path.join(node.dir, 'containers'), { recursive: true });
  fs.mkdirSync(path.join(node.dir, 'etc-containers'), { recursive: true });
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', node.name, '-f', path.join(node.dir, 'ssh_host_ed25519_key')]);

  // The node's own bin first (its docker, when it has one), then the simulators shared by all.
  const binPath = `${path.join(node.dir, 'bin')}:${path.join(bedDir, 'bin')}:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin`;
  writeDockerShim(node.dir);
  fs.writeFileSync(path.join(node.dir, 'cdi-nvidia.yaml'), cdiSpec(Scenario.parse(scenario).count));
  const env = `NODE_NAME=${node.name} EDGEWARD_BED=${bedDir} PATH=${binPath}`;
  fs.writeFileSync(
    path.join(node.dir, 'sshd_config'),
    [
      `ListenAddress ${node.address}:22`,
      `ListenAddress ${node.address}:${ALT_SSH_PORT}`,
      `ListenAddress 127.0.0.1:${ALT_SSH_PORT}`,
      `HostKey ${path.join(node.dir, 'ssh_host_ed25519_key')}`,
      `PidFile ${path.join(node.dir, 'sshd.pid')}`,
      `AuthorizedKeysFile .ssh/authorized_keys ${path.join(bedDir, 'keys')}/authorized_keys_%u`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'UseDNS no',
      'MaxStartups 200:30:400',
      'MaxSessions 64',
      'Subsystem sftp internal-sftp',
      // Root's real ~/.bashrc costs ~0.6 s per exec here (TESTBED-NOTES); give root a bare home.
      'Match User root',
      `  SetEnv ${env} HOME=${path.join(bedDir, 'home', 'root')}`,
      `Match User ${TEST_USER}`,
      `  SetEnv ${env}`,
      '',
    ].join('\n'),
  );

  // Per-node podman: own storage and run state, images shared read-only from the bed's store.
  for (const f of fs.readdirSync('/etc/containers')) {
    const src = path.join('/etc/containers', f);
    fs.cpSync(src, path.join(node.dir, 'etc-containers', f), { recursive: true });
  }
  fs.writeFileSync(
    path.join(node.dir, 'etc-containers', 'storage.conf'),
    `[storage]\ndriver = "overlay"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n\n[storage.options]\nadditionalimagestores = ["${path.join(bedDir, 'image-store')}"]\n`,
  );
  // The bed's registry (startRegistry) speaks plain HTTP on the host's bed address.
  fs.mkdirSync(path.join(node.dir, 'etc-containers', 'registries.conf.d'), { recursive: true });
  fs.writeFileSync(
    path.join(node.dir, 'etc-containers', 'registries.conf.d', '90-edgeward-bed.conf'),
    `[[registry]]\nlocation = "${REGISTRY_ADDRESS}"\ninsecure = true\n`,
  );
  fs.writeFileSync(path.join(node.dir, 'hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${node.name}\n${node.address}\t${node.name}\n`);
  writeScenario(node, scenario);

  // PID 1 of the node's PID namespace: killing it ends every process of the node, containers too.
  fs.writeFileSync(
    path.join(node.dir, 'init.sh'),
    `#!/bin/sh
set -e
hostname ${node.name}
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/sshd /run/ew-cgroup /run/cdi
# CDI devices for podman, where nvidia-ctk would put them (/var/run/cdi).
cp ${path.join(node.dir, 'cdi-nvidia.yaml')} /run/cdi/nvidia.yaml
# A sysfs of this network namespace, keeping the host's cgroup mounts (podman needs them).
mount --rbind /sys/fs/cgroup /run/ew-cgroup
mount -t sysfs sysfs /sys
mount --move /run/ew-cgroup /sys/fs/cgroup
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount --bind ${path.join(node.dir, 'containers')} /var/lib/containers
mount --bind ${path.join(node.dir, 'etc-containers')} /etc/containers
mount --bind ${path.join(node.dir, 'hosts')} /etc/hosts
/usr/sbin/sshd -f ${path.join(node.dir, 'sshd_config')} -E ${path.join(node.dir, 'sshd.log')}
exec sleep infinity
`,
    { mode: 0o755 },
  );
}

export function writeScenario(node: BedNode, scenario: ScenarioInput): void {
  const full = Scenario.parse({ seed: node.name, startedAt: Date.now(), ...scenario });
  const file = path.join(node.dir, 'scenario.json');
  // Written whole then renamed: the simulator never reads half a file.
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(full, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}
