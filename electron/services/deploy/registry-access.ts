import type { RegistrySetting } from '../../../shared/settings.js';
import { parseImageRef } from '../../../shared/deploy/image-ref.js';
import type { SecretStore } from '../ssh/secrets.js';
import { loginFile, type PullAccess } from '../runtime/runtime-commands.js';
import { isLocalOnly, registryOf, type RegistryCredentials, type RegistryOptions } from './registry.js';

/** The secret a registry's password is kept under (safeStorage in the app; the CLI's memory for one run). */
export const registryPasswordKey = (host: string) => `registry-password:${host}`;

/**
 * How the console and the nodes reach each registry: Settings → Registries (CA, plain HTTP, user),
 * the password from the secret store, and `EDGEWARD_INSECURE_REGISTRIES` for lab registries. The
 * console resolves digests with it; a node's pull gets the same CA and login, the login on stdin.
 */
export class RegistryAccess {
  constructor(
    private readonly registries: () => readonly RegistrySetting[],
    private readonly secrets: SecretStore,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  private setting(host: string): RegistrySetting | undefined {
    return this.registries().find((r) => r.host === host);
  }

  private insecure(): string[] {
    const fromEnv = (this.env.EDGEWARD_INSECURE_REGISTRIES ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return [...fromEnv, ...this.registries().flatMap((r) => (r.insecure ? [r.host] : []))];
  }

  credentialsOf(host: string): RegistryCredentials | undefined {
    const username = this.setting(host)?.username;
    const password = username ? this.secrets.get(registryPasswordKey(host)) : undefined;
    return username && password !== undefined ? { username, password } : undefined;
  }

  /** For the console's own requests to registries. */
  options(): RegistryOptions {
    return { insecure: this.insecure(), caOf: (h) => this.setting(h)?.ca, credentialsOf: (h) => this.credentialsOf(h) };
  }

  /** The registry API root a node is asked to reach (`auto` delivery); none for a local-only image. */
  probeUrl(image: string): string | undefined {
    const ref = parseImageRef(image);
    if ('error' in ref || isLocalOnly(ref)) return undefined;
    const { host } = registryOf(ref);
    return `${this.insecure().includes(host) ? 'http' : 'https'}://${host}/v2/`;
  }

  /** For a node's pull of `image`: the CA and login of its registry, the login as the runtime's file (stdin). */
  pullAccess(image: string): { access: PullAccess; stdin?: string } {
    const ref = parseImageRef(image);
    if ('error' in ref) return { access: {} };
    const { host } = registryOf(ref);
    const s = this.setting(host);
    const creds = this.credentialsOf(host);
    return {
      access: { ...(s?.ca ? { ca: s.ca } : {}), ...(creds ? { login: true } : {}), ...(s?.insecure ? { insecure: true } : {}) },
      ...(creds ? { stdin: loginFile(host, creds.username, creds.password) } : {}),
    };
  }
}
