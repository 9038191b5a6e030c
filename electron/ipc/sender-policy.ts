import { appError, type AppError } from '../../shared/errors.js';

/** What the Electron transport knows about the frame that sent an IPC message. */
export interface SenderFacts {
  webContentsId: number;
  /** True when the message came from the window's top-level frame, not an iframe. */
  isMainFrame: boolean;
  /** URL of the sending frame, or undefined when the frame is already gone. */
  frameUrl: string | undefined;
}

export interface SenderPolicy {
  /** webContents ids of the windows Edgeward itself created. */
  trustedWebContents: ReadonlySet<number>;
  /** The origin the app's pages are served from, e.g. `edgeward://app`. */
  appOrigin: string;
}

/**
 * Every IPC call is checked before its payload is parsed: only the app's own windows, only their
 * top-level frame, only pages from the app's own origin. Anything else (an iframe, a page that
 * navigated away, a window we did not create) is refused.
 */
export function checkSender(sender: SenderFacts, policy: SenderPolicy): AppError | undefined {
  const refuse = (why: string) =>
    appError('FORBIDDEN_SENDER', `IPC refused: ${why}`, 'Reload the Edgeward window; only its own pages may use the bridge.');
  if (!policy.trustedWebContents.has(sender.webContentsId)) return refuse('message from a window Edgeward did not open');
  if (!sender.isMainFrame) return refuse('message from a sub-frame');
  if (!sender.frameUrl) return refuse('sending frame is gone');
  let origin: string;
  try {
    const url = new URL(sender.frameUrl);
    // Custom schemes report origin "null" in WHATWG URL; compare scheme + host instead.
    origin = `${url.protocol}//${url.host}`;
  } catch {
    return refuse('sending frame has an unparsable URL');
  }
  if (origin !== policy.appOrigin) return refuse(`page origin ${origin} is not the app's`);
  return undefined;
}
