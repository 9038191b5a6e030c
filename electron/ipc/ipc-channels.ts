/** The four raw Electron IPC channels; every contract channel and topic travels inside them. */
export const IpcChannel = {
  invoke: 'edgeward:invoke',
  subscribe: 'edgeward:subscribe',
  unsubscribe: 'edgeward:unsubscribe',
  frame: 'edgeward:frame',
  subError: 'edgeward:suberror',
} as const;
