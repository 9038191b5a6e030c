import type { ConnectionStatus, FleetNode, NodeStatus } from '../../../shared/fleet.js';
import type { StatusKind } from './StatusBadge';

const VIEW: Record<ConnectionStatus, { kind: StatusKind; label: string }> = {
  idle: { kind: 'unknown', label: 'Not connected' },
  connecting: { kind: 'pending', label: 'Connecting' },
  connected: { kind: 'ok', label: 'Connected' },
  unreachable: { kind: 'offline', label: 'Unreachable' },
  'auth-failed': { kind: 'error', label: 'Login refused' },
  'hostkey-unknown': { kind: 'warn', label: 'Confirm host key' },
  'hostkey-changed': { kind: 'error', label: 'Host key changed' },
  disabled: { kind: 'offline', label: 'Disabled' },
};

/** One place that turns a node's state into a badge (icon + word; never color alone). */
export function nodeBadge(node: FleetNode, status: NodeStatus | undefined): { kind: StatusKind; label: string; title?: string } {
  if (!node.enabled) return { kind: 'offline', label: 'Disabled', title: node.disabledReason };
  const v = VIEW[status?.status ?? 'idle'];
  return { ...v, ...(status?.detail ? { title: status.detail } : {}) };
}
