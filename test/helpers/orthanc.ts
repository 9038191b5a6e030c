import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Debian's orthanc-dicomweb plugin (the file name carries its version). */
export function dicomwebPlugin(): string {
  const dir = '/usr/lib/orthanc';
  const lib = fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.startsWith('libOrthancDicomWeb.so')) : undefined;
  if (!lib) throw new Error('the orthanc-dicomweb plugin is not installed (scripts/ensure-test-deps.sh installs it)');
  return path.join(dir, lib);
}

export interface OrthancServer {
  url: string;
  /** The DICOMweb root (QIDO/STOW/WADO). */
  dicomweb: string;
  stop: () => Promise<void>;
}

/**
 * A real Orthanc PACS (Debian's), started without systemd: its own config, storage and ports under
 * `dir`, optionally inside a bed node's network namespace so the other nodes reach it there.
 */
export async function startOrthanc(opts: {
  dir: string;
  host: string;
  httpPort: number;
  dicomPort: number;
  netns?: string;
  dicomweb?: boolean;
  /** The DICOM peers Orthanc knows by AE title: only they may query it (C-FIND), as at a hospital's PACS. */
  findAEs?: string[];
}): Promise<OrthancServer> {
  fs.mkdirSync(path.join(opts.dir, 'db'), { recursive: true });
  const config = path.join(opts.dir, 'orthanc.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      Name: 'EDGEWARD-BED-PACS',
      StorageDirectory: path.join(opts.dir, 'db'),
      IndexDirectory: path.join(opts.dir, 'db'),
      HttpPort: opts.httpPort,
      DicomPort: opts.dicomPort,
      DicomAet: 'PACS',
      RemoteAccessAllowed: true,
      AuthenticationEnabled: false,
      Plugins: opts.dicomweb === false ? [] : [dicomwebPlugin()],
      DicomWeb: { Enable: true, Root: '/dicom-web/' },
      // Orthanc checks a querier's AE title only (DicomCheckModalityHost is off by default); the port is unused here.
      DicomModalities: Object.fromEntries((opts.findAEs ?? []).map((ae) => [ae.toLowerCase(), [ae, '127.0.0.1', 104]])),
    }),
  );
  const log = fs.openSync(path.join(opts.dir, 'orthanc.log'), 'a');
  const cmd = opts.netns ? ['ip', 'netns', 'exec', opts.netns, 'Orthanc', config] : ['Orthanc', config];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://${opts.host}:${opts.httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`Orthanc exited at start: ${fs.readFileSync(path.join(opts.dir, 'orthanc.log'), 'utf8').slice(-600)}`);
    const up = await fetch(`${url}/system`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Orthanc did not answer at ${url} within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    dicomweb: `${url}/dicom-web`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
