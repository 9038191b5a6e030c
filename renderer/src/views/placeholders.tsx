import { ComingView } from './ComingView';

// Each view states what it will hold and the first thing a new user can do today.
export const FleetView = () => (
  <ComingView
    title="Fleet"
    what="Sites, departments and every edge node with its connection status, searchable and filterable."
    meanwhile={
      <>
        Nothing is configured yet. To try Edgeward against simulated nodes, run <code>npm run demo</code>; set your operator name under
        Settings so your actions are attributed to you.
      </>
    }
  />
);
export const NodeView = () => (
  <ComingView
    title="Node"
    what="One node in detail: connection, host key fingerprint, GPUs, containers and its last error."
    meanwhile="Pick a node from the Fleet view once nodes are added."
  />
);
export const DeploymentsView = () => (
  <ComingView
    title="Deployments"
    what="Inference container specs, revisions and live rollouts with canary, waves and one-step rollback."
    meanwhile="Deployments need nodes: add them in the Fleet view first."
  />
);
export const AlertsView = () => (
  <ComingView
    title="Alerts"
    what="GPU temperature, ECC, Xid, unreachable nodes and SLO burn-rate alerts, with acknowledge."
    meanwhile="No alerts can fire until nodes stream telemetry."
  />
);
export const CommissioningView = () => (
  <ComingView
    title="Commissioning"
    what="A guided check of a new GPU server against its expected hardware profile, ending in a signed acceptance report."
    meanwhile="Have the server's address and its expected profile (GPU model and count, driver, PCIe link) at hand."
  />
);
