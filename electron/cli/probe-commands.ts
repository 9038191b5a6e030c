import type { Backend } from '../app/backend.js';
import { formatIngressLine, parseIngressLine } from '../../shared/clinical/dicom-ingress-line.js';
import { AppErrorException } from '../../shared/errors.js';
import { invoke } from './through-router.js';
import { reportError, type CliOutput } from './output.js';
import type { CliIo } from './fleet-commands.js';
import { smartKeySecret } from '../services/clinical/smart-backend.js';

export interface ProbeCliOptions {
  endpoint?: string;
  clear?: boolean;
  fhir?: string;
  dicomweb?: string;
  'client-id'?: string;
  scope?: string;
  'key-stdin'?: boolean;
}

/**
 * `probe dicom NODE --endpoint NAME`: one DICOM round trip, timed (exit 1 when it failed).
 * `probe dicomweb NODE --dicomweb URL`: STOW-RS, QIDO-RS and WADO-RS from the node (exit 1 when one failed).
 * `nodes dicom NODE "ENDPOINT CALLED_AE@HOST:PORT [opts]"` / `nodes dicom NODE ENDPOINT --clear`:
 * set or remove an endpoint's DICOM ingress (audited as a node edit). Undefined: not ours.
 */
export async function runProbeCommand(
  backend: Backend,
  args: string[],
  out: CliOutput,
  opts: ProbeCliOptions,
  io: Pick<CliIo, 'readStdin'>,
  usageError: (m: string) => number,
): Promise<number | undefined> {
  const [command, sub, ...rest] = args;
  try {
    if (command === 'probe' && sub === 'smart' && rest.length === 0) {
      const [fhirBaseUrl, clientId, scope] = [opts.fhir, opts['client-id'], opts.scope];
      if (!fhirBaseUrl || !clientId || !scope) return usageError('probe smart needs --fhir URL --client-id ID --scope "system/…"');
      // A key of the user's own (e.g. openssl genpkey), for this run only: held in memory, never written.
      if (opts['key-stdin']) backend.secrets.set(smartKeySecret(clientId), await io.readStdin(), false);
      const r = await invoke(backend, 'probe.smart', { fhirBaseUrl, clientId, scope });
      if (out.json) out.print(JSON.stringify(r));
      else if (r.ok)
        out.print(`${clientId}: ${r.tokenType} token for ${r.grantedScope}, valid ${r.expiresIn ?? '?'} s, from ${r.tokenEndpoint}`);
      else {
        out.print(`${clientId}: ${r.error!.message}`);
        out.print(`  → ${r.error!.next}`);
      }
      return r.ok ? 0 : 1;
    }
    if (command === 'fhir' && sub === 'client-key' && rest.length === 0) {
      if (!opts['client-id']) return usageError('fhir client-key needs --client-id ID');
      const k = await invoke(backend, 'smart.key.create', { clientId: opts['client-id'] });
      out.print(
        out.json ? JSON.stringify(k) : `Kept a new ES384 key for ${k.clientId} (kid ${k.kid}). Register this JWKS at the EHR:\n${k.jwks}`,
      );
      return 0;
    }
    if (command === 'probe' && sub === 'dicom' && rest.length === 1) {
      if (!opts.endpoint) return usageError('probe dicom needs --endpoint NAME');
      const r = await invoke(backend, 'probe.dicom', { node: rest[0]!, endpoint: opts.endpoint });
      if (out.json) out.print(JSON.stringify(r));
      else if (r.ok)
        out.print(`${rest[0]} ${opts.endpoint}: result in ${r.resultMs} ms (C-STORE ${r.sentMs ?? '?'} ms), study ${r.studyUid}`);
      else {
        out.print(`${rest[0]} ${opts.endpoint}: ${r.error!.message}`);
        out.print(`  → ${r.error!.next}`);
      }
      return r.ok ? 0 : 1;
    }
    if (command === 'probe' && sub === 'dicomweb' && rest.length === 1) {
      if (!opts.dicomweb) return usageError('probe dicomweb needs --dicomweb URL (the PACS’s DICOMweb base as the node reaches it)');
      const r = await invoke(backend, 'probe.dicomweb', { node: rest[0]!, baseUrl: opts.dicomweb });
      if (out.json) out.print(JSON.stringify(r));
      else for (const c of r.checks) out.print(`${c.verdict.toUpperCase().padEnd(4)}  ${c.title}: ${c.evidence}`);
      return r.ok ? 0 : 1;
    }
    if (command === 'nodes' && sub === 'dicom' && rest.length === 2) {
      const [name, line] = rest as [string, string];
      const node = backend.inventory.get(name);
      if (!node) return usageError(`no node ${name}`);
      const parsed = opts.clear ? { endpoint: line, ingress: undefined } : parseIngressLine(line);
      if ('error' in parsed) return usageError(parsed.error);
      if (!node.endpoints.some((e) => e.name === parsed.endpoint)) return usageError(`${name} has no endpoint ${parsed.endpoint}`);
      const endpoints = node.endpoints.map((e) => (e.name === parsed.endpoint ? { ...e, dicom: parsed.ingress } : e));
      const edited = await invoke(backend, 'fleet.node.edit', { name, patch: { endpoints: endpoints as never } });
      const ep = edited.endpoints.find((e) => e.name === parsed.endpoint);
      out.print(out.json ? JSON.stringify(ep ?? null) : ep?.dicom ? formatIngressLine(ep.name, ep.dicom) : `${line}: no DICOM ingress`);
      return 0;
    }
  } catch (err) {
    if (err instanceof AppErrorException) return reportError(err.appError, out);
    throw err;
  }
  return undefined;
}
