import { XID_ROWS } from './xid-catalog-data.js';

/** What NVIDIA's catalog says to do about one Xid code, in words an on-call can act on. */
export interface XidRunbook {
  code: number;
  description: string;
  /** The catalog's immediate resolution code (RESET_GPU, RESTART_APP…) and what it means to do now. */
  immediate: { code: string; action: string };
  /** Where to look once the patient-facing service is safe again; absent when the catalog has none. */
  investigate?: { code: string; action: string };
}

// The catalog's resolution codes in words; a code missing here is shown as the catalog spells it.
const ACTIONS: Record<string, string> = {
  RESTART_APP: 'Restart the application (the inference container) that was using this GPU.',
  RESET_GPU: 'Drain the node, then reset the GPU (nvidia-smi -r) or restart the node before it takes studies again.',
  RESTART_BM: 'Drain the node and restart the machine; if it comes back, check seating, power and cooling.',
  RESTART_VM: 'Drain the node and restart its virtual machine.',
  CONTACT_SUPPORT: 'Collect nvidia-bug-report.sh output and contact NVIDIA or the server vendor.',
  IGNORE: 'No action for this code by itself.',
  'IGNORE (sympathetic)': 'Reported because of another error: act on that one.',
  CHECK_MECHANICALS: "Check the GPU's seating, power cables and cooling.",
  CHECK_UVM: 'Check that the unified memory driver (nvidia-uvm) is loaded and healthy.',
  UPDATE_SWFW: 'Update the GPU driver and firmware.',
  WORKFLOW_XID_48: 'Double-bit ECC error: drain the node and reset the GPU; if row remapping failed or the error comes back, plan an RMA.',
  WORKFLOW_XID_45: 'Follows another error: find the Xid logged just before it and act on that.',
  WORKFLOW_XID_13: 'Usually the application: check its CUDA code and inputs; if several apps hit it, run GPU diagnostics.',
  WORKFLOW_XID_31: 'Usually the application (an illegal memory access): check it; if it recurs across apps, run GPU diagnostics.',
  WORKFLOW_NVLINK_ERR: 'NVLink error: drain the node, reset the GPUs on the link and check the fabric manager.',
  WORKFLOW_NVLINK5_ERR: 'NVLink error: drain the node, reset the GPUs on the link and check the fabric manager.',
  XID_154: 'Do what the Xid 154 logged with it says (reset the GPU or restart the node).',
  XID_137_FLOW: 'Follow the recovery steps of Xid 137 logged with it.',
  INVESTIGATE_SW: 'Look for a driver or firmware problem (versions, known issues).',
  INVESTIGATE_SW_USER: "Look at the software that used the GPU: the application's or the driver's logs.",
  INVESTIGATE_LINK_SI: 'Check the link: cabling and signal integrity.',
  'CHECK_APP/CUDA': "Check the application's CUDA code and inputs.",
  SYMPATHETIC_REPORT_SOLO: 'Reported because of another error; if it is alone, contact support.',
};

const action = (code: string) => ACTIONS[code] ?? code;
const BY_CODE = new Map(XID_ROWS.map((r) => [r[0], r]));

/** The catalog's entry for an Xid code; undefined for a code the catalog does not list. */
export function xidRunbook(code: number): XidRunbook | undefined {
  const r = BY_CODE.get(code);
  if (!r) return undefined;
  const [, description, immediate, investigatory] = r;
  return {
    code,
    description,
    immediate: { code: immediate || 'CONTACT_SUPPORT', action: action(immediate || 'CONTACT_SUPPORT') },
    ...(investigatory ? { investigate: { code: investigatory, action: action(investigatory) } } : {}),
  };
}
