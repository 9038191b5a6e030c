import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setScenario, type BedState } from '../testbed/bed.js';
import { ensureBed, ssh, ssh2Connect } from './helpers/bed.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'nvidia-smi');
const capture = (model: string, file: string) => fs.readFileSync(path.join(FIXTURES, 'captures', model, file), 'utf8');

describe('nvidia-smi simulator on the nodes', () => {
  let bed: BedState;
  beforeAll(async () => {
    bed = await ensureBed();
  }, 180_000);
  const node = () => bed.nodes[3]!;
  afterEach(() => setScenario(node(), {}));

  it("lists the scenario's GPUs like nvidia-smi -L", () => {
    setScenario(node(), { model: 'h100-80gb-hbm3', count: 8 });
    const r = ssh(bed, node(), 'nvidia-smi -L');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(8);
    lines.forEach((l, i) =>
      expect(l).toMatch(
        new RegExp(`^GPU ${i}: NVIDIA H100 80GB HBM3 \\(UUID: GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\)$`),
      ),
    );
    expect(new Set(lines.map((l) => l.slice(-38))).size).toBe(8);
  });

  it('prints the captured CSV header byte for byte, units in header and values', () => {
    setScenario(node(), { model: 'l40s', count: 1, load: 'load' });
    const fields = capture('linux-x86_64__nvidia-l40s__595.80', 'query-gpu-fields.txt').trim().split('\n').join(',');
    const r = ssh(bed, node(), `nvidia-smi --query-gpu=${fields} --format=csv`);
    expect(r.status).toBe(0);
    const [header, row] = r.stdout.split('\n');
    const [realHeader, realRow] = capture('linux-x86_64__nvidia-l40s__595.80', 'load-query-gpu.csv').split('\n');
    expect(header).toBe(realHeader);
    // Same columns, same special cells and units as the real load capture (identity and time differ).
    const cells = row!.split(', ');
    const real = realRow!.split(', ');
    expect(cells).toHaveLength(real.length);
    real.forEach((cell, i) => {
      if (cell.startsWith('[')) expect(cells[i]).toBe(cell);
      const unit = / (MiB|W|MHz|%|us)$/.exec(cell)?.[1];
      if (unit) expect(cells[i]!.endsWith(` ${unit}`)).toBe(true);
    });
  });

  it('keeps [unit] in the header and drops it from values with nounits; noheader drops the header', () => {
    const r = ssh(
      bed,
      node(),
      'nvidia-smi --query-gpu=gpu_name,memory.used,power.draw --format=csv,nounits; nvidia-smi --query-gpu=index --format=csv,noheader',
    );
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('name, memory.used [MiB], power.draw [W]');
    expect(lines[1]).toMatch(/^NVIDIA L40S, \d+, \d+\.\d{2}$/);
    expect(lines[2]).toBe('0');
  });

  it('fails the whole query on an unknown field: message on stdout, blank line, exit 2', () => {
    const r = ssh(bed, node(), 'nvidia-smi --query-gpu=index,device_minor --format=csv');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('Field "device_minor" is not a valid field to query.\n\n');
  });

  it.each([
    [
      'no-driver',
      9,
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
    ],
    ['no-devices', 6, 'No devices were found\n'],
    ['version-mismatch', 18, 'Failed to initialize NVML: Driver/library version mismatch\nNVML library version: 595.80\n'],
  ] as const)('reproduces the %s failure', (failure, code, text) => {
    setScenario(node(), { failure });
    const r = ssh(bed, node(), 'nvidia-smi --query-gpu=index --format=csv');
    expect(r.status).toBe(code);
    expect(r.stdout).toBe(text);
  });

  it('reports a GPU that fell off the bus with the real message, keeping the others', () => {
    setScenario(node(), { count: 2, fallOffBus: { index: 1, afterS: 0 } });
    const r = ssh(bed, node(), 'nvidia-smi --query-gpu=index,uuid --format=csv,noheader');
    expect(r.status).toBe(15);
    const [first, second] = r.stdout.trimEnd().split('\n');
    expect(first).toMatch(/^0, GPU-/);
    expect(second).toBe('Unable to determine the device handle for GPU 0000:21:00.0: GPU is lost.  Reboot the system to recover this GPU');
  });

  it('emits a valid -q -x document with one <gpu> per GPU', () => {
    setScenario(node(), { count: 3 });
    const r = ssh(bed, node(), 'nvidia-smi -q -x');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml version="1.0" \?>\n<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v13.dtd">/);
    expect(r.stdout.match(/<gpu id="/g)).toHaveLength(3);
    expect(r.stdout).toContain('<attached_gpus>3</attached_gpus>');
    expect(r.stdout).toContain('<product_name>NVIDIA L40S</product_name>');
  });

  it('streams in loop mode (-lms), follows scenario changes, and stops when the channel closes', async () => {
    setScenario(node(), { count: 1 });
    const client = await ssh2Connect(bed, node());
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.exec('nvidia-smi --query-gpu=index,temperature.gpu --format=csv,noheader,nounits -lms 200', (err, channel) => {
        if (err) return reject(err);
        let buf = '';
        channel.on('data', (d: Buffer) => {
          buf += d.toString();
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.length === 3) setScenario(node(), { count: 1, temperatureDriftCPerMin: 6000 });
          if (lines.length >= 12) channel.close();
        });
        channel.on('close', () => resolve());
      });
    });
    client.end();
    expect(lines.slice(0, 3).every((l) => /^0, \d+$/.test(l))).toBe(true);
    const temps = lines.map((l) => Number(l.split(', ')[1]));
    expect(Math.max(...temps.slice(-3))).toBeGreaterThan(Math.max(...temps.slice(0, 3)));
    // Closing the channel ends the remote process: nothing keeps sampling on the node.
    await expect.poll(() => ssh(bed, node(), 'pgrep -f "[n]vidia-smi --query-gpu" || true').stdout, { timeout: 5000 }).toBe('');
  });
});
