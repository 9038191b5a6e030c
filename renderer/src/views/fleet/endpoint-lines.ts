import type { FleetNode } from '../../../../shared/fleet.js';
import type { AppError } from '../../../../shared/errors.js';
import type { IngressLine } from '../../../../shared/clinical/dicom-ingress-line.js';

type EndpointInput = FleetNode['endpoints'][number];
type Profile = NonNullable<EndpointInput['profile']>;

const invalid = (message: string): { error: AppError } => ({
  error: { code: 'VALIDATION', message, action: 'Correct that line and save again.' },
});

/**
 * The editor's two text fields back into endpoints: "name:port[:model[:profile]]" lines, and DICOM
 * ingress lines naming one of those endpoints. What the lines do not show (an endpoint's input
 * tensor name) is kept from the endpoint of the same name, so saving never drops a setting.
 */
export function endpointsFromText(
  endpointText: string,
  dicomText: string,
  before: readonly EndpointInput[],
  parseIngress: (line: string) => IngressLine | { error: string },
): { value: EndpointInput[] } | { error: AppError } {
  const lines = (t: string) =>
    t
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  const endpoints = lines(endpointText).map((l) => {
    const [name = '', port = '', model = '', profile = ''] = l.split(':').map((x) => x.trim());
    const prev = before.find((e) => e.name === name);
    return {
      name,
      port: Number(port),
      input: prev?.input ?? 'INPUT0',
      ...(model ? { model } : {}),
      ...(profile ? { profile: profile as Profile } : {}),
    } as EndpointInput;
  });
  for (const line of lines(dicomText)) {
    const parsed = parseIngress(line);
    if ('error' in parsed) return invalid(`DICOM round trips: ${parsed.error}`);
    const ep = endpoints.find((e) => e.name === parsed.endpoint);
    if (!ep) return invalid(`DICOM round trips: no endpoint ${parsed.endpoint} above; add it to the endpoints first`);
    if (ep.dicom) return invalid(`DICOM round trips: ${parsed.endpoint} is given twice`);
    ep.dicom = parsed.ingress as EndpointInput['dicom'];
  }
  return { value: endpoints };
}
