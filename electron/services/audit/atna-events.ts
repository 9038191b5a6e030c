import type { AuditAction } from '../../../shared/audit.js';

/** A coded value of the DICOM audit vocabulary (PS3.16 CID 400–405, coding scheme "DCM"). */
export interface Code {
  code: string;
  meaning: string;
}

const dcm = (code: string, meaning: string): Code => ({ code, meaning });

// Event IDs (CID 400)
const APPLICATION_ACTIVITY = dcm('110100', 'Application Activity');
const AUDIT_LOG_USED = dcm('110101', 'Audit Log Used');
const DICOM_INSTANCES_TRANSFERRED = dcm('110104', 'DICOM Instances Transferred');
const SECURITY_ALERT = dcm('110113', 'Security Alert');
const USER_AUTHENTICATION = dcm('110114', 'User Authentication');
// Event type codes (CID 401, 402)
const APPLICATION_START = dcm('110120', 'Application Start');
const LOGIN = dcm('110122', 'Login');
const NODE_AUTHENTICATION = dcm('110126', 'Node Authentication');
export const EMERGENCY_OVERRIDE_STARTED = dcm('110127', 'Emergency Override Started');
const NETWORK_CONFIGURATION = dcm('110128', 'Network Configuration');
const SECURITY_CONFIGURATION = dcm('110129', 'Security Configuration');
const HARDWARE_CONFIGURATION = dcm('110130', 'Hardware Configuration');
const SOFTWARE_CONFIGURATION = dcm('110131', 'Software Configuration');
const USE_OF_RESTRICTED_FUNCTION = dcm('110132', 'Use of Restricted Function');
const REMOTE_SERVICE_STARTED = dcm('110139', 'Remote Service Operation Started');
const REMOTE_SERVICE_STOPPED = dcm('110140', 'Remote Service Operation Stopped');
// Active participant roles (CID 402)
export const ROLE_APPLICATION = dcm('110150', 'Application');

/** DICOM's EventActionCode: Create, Read, Update, Delete, Execute. */
export type ActionCode = 'C' | 'R' | 'U' | 'D' | 'E';

export interface AtnaEvent {
  id: Code;
  type?: Code;
  action: ActionCode;
}

const ev = (id: Code, action: ActionCode, type?: Code): AtnaEvent => ({ id, action, ...(type ? { type } : {}) });

/**
 * How each Edgeward action reads as a DICOM audit event. Configuration of the fleet is a Security
 * Alert of the kind it changes (the inventory is network configuration, host keys are node
 * authentication, what runs on a node is software configuration), as PS3.15 A.5.3 lists them;
 * running commands on nodes is use of a restricted function; the rest is application activity.
 * A `Record` so that a new action cannot be added without saying how it is reported.
 */
export const ATNA_EVENTS: Record<AuditAction, AtnaEvent> = {
  'settings.update': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'secret.set': ev(SECURITY_ALERT, 'U', SECURITY_CONFIGURATION),
  'audit.export': ev(AUDIT_LOG_USED, 'R'),
  'audit.torn_tail_recovered': ev(AUDIT_LOG_USED, 'U'),
  'audit.forward_add': ev(SECURITY_ALERT, 'C', SECURITY_CONFIGURATION),
  'audit.forward_remove': ev(SECURITY_ALERT, 'D', SECURITY_CONFIGURATION),
  'node.add': ev(SECURITY_ALERT, 'C', NETWORK_CONFIGURATION),
  'node.edit': ev(SECURITY_ALERT, 'U', NETWORK_CONFIGURATION),
  'node.remove': ev(SECURITY_ALERT, 'D', NETWORK_CONFIGURATION),
  'node.disable': ev(SECURITY_ALERT, 'U', NETWORK_CONFIGURATION),
  'node.enable': ev(SECURITY_ALERT, 'U', NETWORK_CONFIGURATION),
  'node.drain': ev(SECURITY_ALERT, 'E', REMOTE_SERVICE_STARTED),
  'node.undrain': ev(SECURITY_ALERT, 'E', REMOTE_SERVICE_STOPPED),
  'nodes.import': ev(SECURITY_ALERT, 'C', NETWORK_CONFIGURATION),
  'hostkey.trust': ev(SECURITY_ALERT, 'C', NODE_AUTHENTICATION),
  'hostkey.retrust': ev(SECURITY_ALERT, 'U', NODE_AUTHENTICATION),
  'hostkey.mismatch': ev(SECURITY_ALERT, 'E', NODE_AUTHENTICATION),
  'hostkey.migrate': ev(SECURITY_ALERT, 'U', NODE_AUTHENTICATION),
  'fleet.exec': ev(SECURITY_ALERT, 'E', USE_OF_RESTRICTED_FUNCTION),
  'telemetry.session_start': ev(APPLICATION_ACTIVITY, 'E', APPLICATION_START),
  'telemetry.history_trouble': ev(APPLICATION_ACTIVITY, 'E'),
  'alert.fire': ev(APPLICATION_ACTIVITY, 'E'),
  'alert.resolve': ev(APPLICATION_ACTIVITY, 'E'),
  'alert.acknowledge': ev(APPLICATION_ACTIVITY, 'U'),
  'alert.silence': ev(APPLICATION_ACTIVITY, 'C'),
  'alert.unsilence': ev(APPLICATION_ACTIVITY, 'D'),
  'deploy.apply': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'deploy.pause': ev(APPLICATION_ACTIVITY, 'E'),
  'deploy.resume': ev(APPLICATION_ACTIVITY, 'E'),
  'deploy.abort': ev(APPLICATION_ACTIVITY, 'E'),
  'deploy.rollback': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'deploy.step': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'deploy.takeover': ev(APPLICATION_ACTIVITY, 'E'),
  'commission.run': ev(APPLICATION_ACTIVITY, 'E'),
  'commission.override': ev(SECURITY_ALERT, 'E', EMERGENCY_OVERRIDE_STARTED),
  'commission.signoff': ev(APPLICATION_ACTIVITY, 'C'),
  'commission.report_pdf': ev(APPLICATION_ACTIVITY, 'C'),
  'commission.profile_save': ev(SECURITY_ALERT, 'U', HARDWARE_CONFIGURATION),
  'service.apply': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'service.remove': ev(SECURITY_ALERT, 'D', SOFTWARE_CONFIGURATION),
  'site.windows': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'drill.run': ev(APPLICATION_ACTIVITY, 'E'),
  // A synthetic test study stored to the AI ingress (PS3.15 A.5.3.4: created at the destination).
  'probe.dicom': ev(DICOM_INSTANCES_TRANSFERRED, 'C'),
  'probe.dicomweb': ev(DICOM_INSTANCES_TRANSFERRED, 'C'),
  // The console authenticating to the EHR as a SMART client (A.5.3.11, a login by an application).
  'probe.smart': ev(USER_AUTHENTICATION, 'E', LOGIN),
  'job.apply': ev(SECURITY_ALERT, 'U', SOFTWARE_CONFIGURATION),
  'job.run': ev(APPLICATION_ACTIVITY, 'E'),
  'job.retry': ev(APPLICATION_ACTIVITY, 'E'),
  'job.cancel': ev(APPLICATION_ACTIVITY, 'E'),
};
