import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../shared/deploy/spec.js';
import { chooseDelivery, deliveryOf } from '../../../shared/deploy/delivery.js';
import { parseFacts } from '../../../shared/deploy/placement.js';

const spec = (extra: string) => parseSpec(`name: cxr\nimage: reg.example:5000/cxr:1\n${extra}targets:\n  nodes: [a]\n`);

describe('how each node gets the image', () => {
  it('takes pull, push and auto, per site in place of the spec-wide choice', () => {
    const r = spec('delivery: auto\nsiteDelivery:\n  radiology east: push\n  hub: pull\n');
    expect(r.problems).toEqual([]);
    expect(deliveryOf(r.spec!, 'radiology east')).toBe('push');
    expect(deliveryOf(r.spec!, 'hub')).toBe('pull');
    expect(deliveryOf(r.spec!, 'other')).toBe('auto');
    expect(deliveryOf(spec('').spec!, 'any')).toBe('pull');
    // A push with no archive is the console fetching from the registry: valid.
    expect(spec('delivery: push\n').problems).toEqual([]);
  });

  it('refuses an archive where some node would pull (its id could not match a registry digest), on the archive line', () => {
    for (const extra of [
      'delivery: auto\npush:\n  archive: /srv/cxr.tar\n',
      'delivery: push\nsiteDelivery:\n  hub: pull\npush:\n  archive: /srv/cxr.tar\n',
    ]) {
      const r = spec(extra);
      expect(r.problems).toEqual([
        expect.objectContaining({ path: 'push.archive', message: expect.stringContaining('push.archive is for fleets that only push') }),
      ]);
      expect(r.problems[0]!.line).toBe(extra.split('\n').findIndex((l) => l.includes('archive:')) + 3);
    }
    expect(spec('delivery: push\npush:\n  archive: /srv/cxr.tar\n').problems).toEqual([]);
    expect(spec('siteDelivery:\n  hub: sideload\n').problems).toEqual([expect.objectContaining({ path: 'siteDelivery.hub' })]);
  });

  it('auto: pulls where the probe reached the registry, pushes where it did not or could not try', () => {
    const url = 'https://reg.example:5000/v2/';
    const facts = (line: string) => parseFacts(`runtime=podman\n${line}\n`);
    expect(facts('registry=401').registry).toBe('reachable');
    expect(facts('registry=000').registry).toBe('unreachable');
    expect(facts('registry=unknown').registry).toBe('unknown');
    expect(chooseDelivery('auto', url, facts('registry=401'), 's')).toEqual({
      delivery: 'pull',
      deliveryWhy: 'pulls from reg.example:5000 (auto: the node reaches it)',
    });
    expect(chooseDelivery('auto', url, facts('registry=000'), 's')).toEqual({
      delivery: 'push',
      deliveryWhy: 'pushed over SSH (auto: the node does not reach it at reg.example:5000)',
    });
    expect(chooseDelivery('auto', url, facts('registry=unknown'), 's').delivery).toBe('push');
    // No answer from the probe at all (an old agent) is not taken as reachable.
    expect(chooseDelivery('auto', url, facts(''), 's').delivery).toBe('push');
    // A local-only image has no registry: the node uses what it holds.
    expect(chooseDelivery('auto', undefined, facts(''), 's').delivery).toBe('pull');
    expect(chooseDelivery('push', url, facts('registry=200'), 'east').deliveryWhy).toBe('pushed over SSH (delivery for site east: push)');
  });
});
