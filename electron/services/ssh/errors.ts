import { AppErrorException, appError, type AppError } from '../../../shared/errors.js';

/** Every way reaching a node can fail, in words an admin can act on. */
export const sshErrors = {
  notFound: (name: string) => appError('NOT_FOUND', `No node named ${name} in the inventory`, 'Check the name, or add the node first.'),
  disabled: (name: string, reason?: string) =>
    appError(
      'DISABLED',
      `${name} is disabled${reason ? ` (${reason})` : ''}`,
      'Enable the node in the Fleet view if it should be reached again.',
    ),
  hostKeyUnknown: (name: string, fingerprint: string) =>
    appError(
      'HOSTKEY_UNKNOWN',
      `${name} is not trusted yet: it presented host key ${fingerprint}`,
      `Compare the fingerprint with the one on the server's console (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then trust it: edgeward trust ${name} --fingerprint ${fingerprint}`,
    ),
  hostKeyChanged: (name: string, expected: string, presented: string) =>
    appError(
      'HOSTKEY_CHANGED',
      `HOST KEY CHANGED for ${name}: expected ${expected}, the server presented ${presented}. Edgeward refused to connect.`,
      'This can mean the server was reinstalled or its keys regenerated, or that someone is intercepting the connection. Confirm with the site before re-trusting (edgeward trust NODE --fingerprint …); the refusal is in the audit log.',
    ),
  hostKeyRevoked: (name: string, presented: string, line: number) =>
    appError(
      'HOSTKEY_CHANGED',
      `HOST KEY REVOKED for ${name}: the server presented ${presented}, which ~/.ssh/known_hosts marks @revoked (line ${line}). Edgeward refused to connect.`,
      'A revoked key must never be accepted again: the server needs a new host key. Ask its administrator; re-trust only the new key.',
    ),
  authFailed: (name: string, how: string, detail?: string) =>
    appError(
      'AUTH_FAILED',
      `${name} refused the login (${how})${detail ? `: ${detail}` : ''}`,
      'Check the user name and the key, agent or password configured for this node.',
    ),
  unreachable: (name: string, detail: string) =>
    appError(
      'UNREACHABLE',
      `${name} is unreachable: ${detail}`,
      'Check that the node is powered on and its network (and gateway) is up; Edgeward retries on the next use.',
    ),
  timeout: (name: string, seconds: number) =>
    appError(
      'TIMEOUT',
      `${name} did not finish within ${seconds} s`,
      'The command was stopped on the node. Raise the timeout if it legitimately takes longer.',
    ),
  cancelled: (name: string) => appError('CANCELLED', `Cancelled on ${name}`, 'Nothing further runs on this node for this command.'),
  setup: (name: string, message: string, action: string) => appError('VALIDATION', `${name}: ${message}`, action),
};

export const fail = (e: AppError): never => {
  throw new AppErrorException(e);
};
