import { ComingView } from './ComingView';

// Each view states what it will hold and the first thing a new user can do today.
export const CommissioningView = () => (
  <ComingView
    title="Commissioning"
    what="A guided check of a new GPU server against its expected hardware profile, ending in a signed acceptance report."
    meanwhile="Have the server's address and its expected profile (GPU model and count, driver, PCIe link) at hand."
  />
);
