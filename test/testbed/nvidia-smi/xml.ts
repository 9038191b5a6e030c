import type { SimGpu } from './values.js';

/** `Thu Aug  6 01:03:40 2026`: ctime layout, used by -q, -q -x and the table. */
export function ctime(d: Date): string {
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`;
}

function setFirst(block: string, tag: string, value: string, within?: string): string {
  const escaped = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  if (within) {
    const re = new RegExp(`(<${within}>[\\s\\S]*?<${tag}>)[^<]*(</${tag}>)`);
    return block.replace(re, `$1${escaped}$2`);
  }
  return block.replace(new RegExp(`(<${tag}>)[^<]*(</${tag}>)`), `$1${escaped}$2`);
}

/**
 * `nvidia-smi -q -x`, from a real v13 XML capture (RTX 4000 SFF Ada, driver 595.84): the document
 * shape is the real one; the values this simulator models are written into it per GPU. Elements it
 * does not model keep the captured card's values.
 */
export function renderXml(template: string, gpus: SimGpu[], info: { driver: string; cuda: string; now: Date }): string {
  const start = template.indexOf('\t<gpu id=');
  const end = template.indexOf('\t</gpu>') + '\t</gpu>\n'.length;
  let head = template.slice(0, start);
  const block = template.slice(start, end);
  const tail = template.slice(end);
  head = setFirst(head, 'timestamp', ctime(info.now));
  head = setFirst(head, 'driver_version', info.driver);
  head = setFirst(head, 'cuda_version', info.cuda);
  head = setFirst(head, 'attached_gpus', String(gpus.length));
  const body = gpus
    .filter((g) => !g.lost)
    .map((g) => {
      const c = (f: string) => g.cells.get(f) ?? 'N/A';
      const plain = (f: string) => c(f).replace(/^\[(.*)\]$/, '$1');
      let b = block.replace(/<gpu id="[^"]*">/, `<gpu id="${g.busId}">`);
      b = setFirst(b, 'product_name', plain('name'));
      b = setFirst(b, 'persistence_mode', plain('persistence_mode'));
      b = setFirst(b, 'serial', plain('serial'));
      b = setFirst(b, 'uuid', plain('uuid'));
      b = setFirst(b, 'minor_number', String(g.index));
      b = setFirst(b, 'pci_bus', g.busId.split(':')[1] ?? '00');
      b = setFirst(b, 'pci_bus_id', g.busId);
      b = setFirst(b, 'current_link_gen', plain('pcie.link.gen.current'));
      b = setFirst(b, 'max_link_gen', plain('pcie.link.gen.max'));
      b = setFirst(b, 'current_link_width', `${plain('pcie.link.width.current')}x`);
      b = setFirst(b, 'max_link_width', `${plain('pcie.link.width.max')}x`);
      b = setFirst(b, 'total', plain('memory.total'), 'fb_memory_usage');
      b = setFirst(b, 'used', plain('memory.used'), 'fb_memory_usage');
      b = setFirst(b, 'free', plain('memory.free'), 'fb_memory_usage');
      b = setFirst(b, 'gpu_util', plain('utilization.gpu'));
      b = setFirst(b, 'memory_util', plain('utilization.memory'));
      b = setFirst(b, 'current_ecc', plain('ecc.mode.current'), 'ecc_mode');
      b = setFirst(b, 'gpu_temp', `${plain('temperature.gpu')} C`);
      b = setFirst(b, 'power_draw', plain('power.draw'));
      b = setFirst(b, 'performance_state', plain('pstate'));
      return b;
    })
    .join('');
  return head + body + tail;
}
