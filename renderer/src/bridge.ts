import { LoopbackBridgeClient, type WebSocketLike } from '../../shared/bridge-client.js';
import type { BridgeApi } from '../../shared/contract/index.js';

declare global {
  interface Window {
    /** Set by the Electron preload; absent when the UI runs in a browser over the loopback bridge. */
    edgeward?: BridgeApi;
  }
}

const TOKEN_KEY = 'edgeward.bridgeToken';

/**
 * Takes the loopback token from the URL fragment (never sent to a server), keeps it for this tab
 * only, and removes it from the address bar so it does not end up in screenshots or history.
 */
function takeToken(): string | null {
  const match = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(window.location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', `${window.location.pathname}#/fleet`);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function createBridge(): BridgeApi {
  if (window.edgeward) return window.edgeward;
  const token = takeToken() ?? '';
  const url = `ws://${window.location.host}/bridge?token=${encodeURIComponent(token)}`;
  return new LoopbackBridgeClient(url, (u) => new WebSocket(u) as unknown as WebSocketLike);
}

export const bridge: BridgeApi = createBridge();
