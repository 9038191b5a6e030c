import { Notification } from 'electron';
import type { Alert } from '../../shared/alerts.js';

/** A desktop notification for a new alert; the text carries the node and what is wrong, nothing more. */
export function notifyAlert(alert: Alert): void {
  if (!Notification.isSupported()) return;
  new Notification({
    title: `${alert.severity === 'critical' ? 'Critical' : 'Warning'}: ${alert.node}`,
    body: alert.message,
    silent: alert.severity !== 'critical',
  }).show();
}
