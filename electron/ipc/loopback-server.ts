import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { ClientMessage } from './client-message.js';
import {
  BRIDGE_PROTOCOL_VERSION,
  CloseCode,
  MAX_CLIENT_MESSAGE_BYTES,
  closeReason,
  type ServerMessage,
} from '../../shared/contract/index.js';
import type { Router } from './router.js';
import { CONTENT_SECURITY_POLICY } from './csp.js';
import type { DocumentShelf } from './document-shelf.js';

export interface LoopbackServerOptions {
  /**
   * The router, or the promise of one: a server started while the back end still opens serves the page at
   * once and holds bridge messages, in order, until the router is there.
   */
  router: Router | Promise<Router>;
  /** Built renderer to serve at `/`; omit to serve only the bridge (tests, CLI). */
  staticDir?: string;
  port?: number;
  /** Fixed token for tests; by default a fresh random one per start. */
  token?: string;
  /** Frames queued beyond this many bytes for one socket are dropped, not buffered without bound. */
  maxBufferedBytes?: number;
  /** One-time documents (signed reports opened in a new tab), served at /doc/…. */
  documents?: DocumentShelf;
}

export interface LoopbackServer {
  port: number;
  token: string;
  /** The address to open in a browser; the token travels in the fragment, never in a request. */
  url: string;
  bridgeUrl: string;
  droppedFrames(): number;
  close(): Promise<void>;
}

const BIND_ADDRESS = '127.0.0.1';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/**
 * The loopback bridge: the same router as the Electron window, reached over a WebSocket on
 * 127.0.0.1, for browsers on machines without a desktop and for the end-to-end tests.
 * Guarded against other local users and web pages: loopback only, Host checked (DNS rebinding),
 * Origin checked (cross-site pages), and a random token (other local processes).
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  let port = 0;
  let dropped = 0;
  let nextClient = 1;
  let router = options.router instanceof Promise ? undefined : options.router;
  // A back end that fails to open ends the process (its owner says why); held messages then go nowhere.
  const routerReady = Promise.resolve(options.router).then((r) => (router = r));
  routerReady.catch(() => undefined);

  const allowedHosts = () => new Set([`${BIND_ADDRESS}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${BIND_ADDRESS}:${port}`, `http://localhost:${port}`]);

  const server = http.createServer((req, res) => {
    try {
      handleHttp(req, res);
    } catch {
      if (!res.headersSent) res.writeHead(400).end();
      else res.destroy();
    }
  });
  const handleHttp = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('Misdirected request: wrong Host header.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const pathname = (req.url ?? '/').split('?')[0]!;
    if (pathname.startsWith('/doc/')) {
      const doc = options.documents?.take(pathname);
      if (!doc) {
        res
          .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
          .end('This link has been used or has expired: open the report again from Edgeward.\n');
        return;
      }
      res
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': doc.csp,
          'x-content-type-options': 'nosniff',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        })
        .end(req.method === 'HEAD' ? undefined : doc.body);
      return;
    }
    if (!options.staticDir) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('This bridge serves no pages.\n');
      return;
    }
    serveStatic(options.staticDir, req, res);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  // Nothing an unauthenticated client sends may end the process: a broken handshake, a reset
  // socket or a header no one expected is answered (or dropped), never thrown.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'http://placeholder');
      if (url.pathname !== '/bridge') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      // Accept the upgrade, then close with a code and reason: a browser shows a reason, not a 401.
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        const host = req.headers.host ?? '';
        const origin = req.headers.origin;
        if (!allowedHosts().has(host)) {
          ws.close(
            CloseCode.wrongHost,
            closeReason(`wrong Host header ${JSON.stringify(host).slice(0, 60)}: connect to 127.0.0.1:${port}`),
          );
        } else if (origin !== undefined && !allowedOrigins().has(origin)) {
          ws.close(
            CloseCode.forbiddenOrigin,
            closeReason(`origin ${origin.slice(0, 60)} is not allowed: open the URL printed by Edgeward`),
          );
        } else if (!sameSecret(url.searchParams.get('token') ?? '', token)) {
          ws.close(CloseCode.unauthorized, 'missing or wrong token: open the URL printed by "npm run serve"');
        } else {
          attach(ws);
        }
      });
    } catch {
      socket.destroy();
    }
  });

  function attach(ws: WebSocket): void {
    const clientId = `loopback-${nextClient++}`;
    const subscriptions = new Map<number, () => void>();
    const send = (message: ServerMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
    };
    send({ t: 'hello', protocol: BRIDGE_PROTOCOL_VERSION });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(CloseCode.malformed, 'malformed message: binary frames are not part of the protocol');
        return;
      }
      let message: ClientMessage;
      try {
        const parsed = ClientMessage.safeParse(JSON.parse(rawToString(data)));
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          ws.close(
            CloseCode.malformed,
            closeReason(`malformed message: ${issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'invalid'}`),
          );
          return;
        }
        message = parsed.data;
      } catch {
        ws.close(CloseCode.malformed, 'malformed message: not JSON');
        return;
      }
      if (router) handle(router, message);
      else void routerReady.then((r) => handle(r, message)).catch(() => undefined);
    });

    function handle(router: Router, message: ClientMessage): void {
      // Held until the back end opened, and the page went away meanwhile: nothing to start for it.
      if (ws.readyState !== ws.OPEN) return;
      const ctx = { transport: 'loopback' as const, clientId };
      switch (message.t) {
        case 'invoke':
          void router.invoke(message.channel, message.req, ctx).then((result) => {
            send(
              result.ok
                ? { t: 'result', id: message.id, ok: true, value: result.value }
                : { t: 'result', id: message.id, ok: false, error: result.error },
            );
          });
          break;
        case 'sub': {
          subscriptions.get(message.id)?.();
          const result = router.subscribe(
            message.topic,
            message.params,
            (frame) => {
              // Backpressure: a slow client loses frames (counted) rather than growing our memory.
              if (ws.bufferedAmount > maxBuffered) {
                dropped += 1;
                return;
              }
              send({ t: 'frame', id: message.id, frame });
            },
            ctx,
          );
          if (result.ok) subscriptions.set(message.id, result.value);
          else send({ t: 'suberror', id: message.id, error: result.error });
          break;
        }
        case 'unsub':
          subscriptions.get(message.id)?.();
          subscriptions.delete(message.id);
          break;
      }
    }
    ws.on('close', () => {
      for (const stop of subscriptions.values()) stop();
      subscriptions.clear();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, BIND_ADDRESS, () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://${BIND_ADDRESS}:${port}/#token=${token}`,
    bridgeUrl: `ws://${BIND_ADDRESS}:${port}/bridge?token=${token}`,
    droppedFrames: () => dropped,
    close: async () => {
      for (const client of wss.clients) client.close(CloseCode.shuttingDown, 'Edgeward is shutting down');
      // A page that does not answer the close (gone, frozen) must not keep the app from stopping:
      // a moment for the close frames to go out, then every socket is cut.
      await new Promise((r) => setTimeout(r, wss.clients.size ? 200 : 0));
      for (const client of wss.clients) client.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

function serveStatic(root: string, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://placeholder');
  let rel: string;
  try {
    rel = decodeURIComponent(url.pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  const base = path.resolve(root);
  let file = path.resolve(base, `.${path.posix.normalize(rel)}`);
  if (file !== base && !file.startsWith(base + path.sep)) {
    res.writeHead(403).end();
    return;
  }
  // Unknown paths are client-side routes: serve the app shell.
  if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) file = path.join(base, 'index.html');
  const headers = {
    'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
  fs.readFile(file, (err, body) => {
    if (err) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found. Run "npm run build" first.\n');
      return;
    }
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}
