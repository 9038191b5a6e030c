// A stand-in for the `electron` module (no Electron binary can run here): the real built main
// bundle runs against it in plain Node. It records what the app asks of Electron, then plays a
// short scenario through what the app registered (the app:// handler, the IPC handlers, quit) and
// writes everything to $EDGEWARD_STANDIN_RECORD as JSON.
import fs from 'node:fs';
import { EventEmitter } from 'node:events';

const record = {
  calls: [],
  schemes: [],
  windows: [],
  protocolHandlers: [],
  ipcHandle: [],
  ipcOn: [],
  notifications: [],
  scenario: {},
};
const note = (what, detail) => record.calls.push(detail === undefined ? what : `${what} ${JSON.stringify(detail)}`);
const protocolHandlers = new Map();
const handles = new Map();
const listeners = new Map();
let nextId = 1;

class WebContents extends EventEmitter {
  constructor() {
    super();
    this.id = nextId++;
    this.sent = [];
  }
  setWindowOpenHandler(fn) {
    this.windowOpen = fn;
  }
  send(channel, ...args) {
    this.sent.push([channel, ...args]);
  }
  isDestroyed() {
    return false;
  }
}

export class BrowserWindow extends EventEmitter {
  static all = [];
  constructor(options) {
    super();
    this.options = options;
    this.webContents = new WebContents();
    BrowserWindow.all.push(this);
    record.windows.push({ options, webContentsId: this.webContents.id });
  }
  static getAllWindows() {
    return BrowserWindow.all;
  }
  loadURL(url) {
    record.windows.at(-1).loadURL = url;
    return Promise.resolve();
  }
  show() {}
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
}

const appEvents = new EventEmitter();
export const app = {
  enableSandbox: () => note('app.enableSandbox'),
  requestSingleInstanceLock: () => (note('app.requestSingleInstanceLock'), true),
  whenReady: () => {
    note('app.whenReady');
    setTimeout(() => void scenario().catch((err) => finish({ error: String(err?.stack ?? err) })), 800);
    return Promise.resolve();
  },
  getPath: (name) => {
    note('app.getPath', name);
    return process.env.EDGEWARD_STANDIN_USERDATA;
  },
  on: (event, fn) => appEvents.on(event, fn),
  quit: () => note('app.quit'),
  exit: (code) => {
    note('app.exit', code);
    finish({ exitCode: code });
  },
};

export const protocol = {
  registerSchemesAsPrivileged: (schemes) => record.schemes.push(...schemes),
  handle: (scheme, fn) => {
    record.protocolHandlers.push(scheme);
    protocolHandlers.set(scheme, fn);
  },
};

// Electron's net.fetch reads file:// URLs; plain Node's fetch does not.
export const net = {
  fetch: async (url) => {
    const file = decodeURIComponent(new URL(url).pathname);
    return new Response(fs.readFileSync(file), { status: 200, headers: { 'content-type': 'text/html' } });
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => (session.permissionRequest = fn),
    setPermissionCheckHandler: (fn) => (session.permissionCheck = fn),
  },
};

export const ipcMain = {
  handle: (channel, fn) => {
    record.ipcHandle.push(channel);
    handles.set(channel, fn);
  },
  on: (channel, fn) => {
    record.ipcOn.push(channel);
    listeners.set(channel, fn);
  },
  removeHandler: (channel) => handles.delete(channel),
  removeAllListeners: (channel) => listeners.delete(channel),
};

// Linux without a keyring: Chromium's hard-coded key. Edgeward must refuse to persist with it.
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'basic_text',
  encryptString: (s) => Buffer.from(`plain:${s}`),
  decryptString: (b) => b.toString().replace(/^plain:/, ''),
};

export class Notification {
  static isSupported() {
    return true;
  }
  constructor(options) {
    this.options = options;
  }
  show() {
    record.notifications.push(this.options);
  }
}

export const contextBridge = { exposeInMainWorld: () => undefined };
export const ipcRenderer = {};
export default { app, BrowserWindow, protocol, net, session, ipcMain, safeStorage, Notification, contextBridge, ipcRenderer };

async function scenario() {
  const s = record.scenario;
  const win = BrowserWindow.all[0];
  s.windowOpen = win?.webContents.windowOpen?.({ url: 'https://evil.example' });
  const nav = {
    prevented: false,
    preventDefault() {
      this.prevented = true;
    },
  };
  win?.webContents.emit('will-navigate', nav, 'https://evil.example/');
  s.navigationAwayPrevented = nav.prevented;
  s.permissionDenied = await new Promise((r) => session.permissionRequest?.(null, 'media', (ok) => r(!ok)));

  const handler = protocolHandlers.get('edgeward');
  const fetchApp = async (url) => {
    const res = await handler(new Request(url));
    return {
      status: res.status,
      csp: res.headers.get('content-security-policy'),
      body: res.status === 200 ? (await res.text()).slice(0, 200) : '',
    };
  };
  s.index = await fetchApp('edgeward://app/index.html');
  s.root = await fetchApp('edgeward://app/');
  s.traversal = await fetchApp('edgeward://app/..%2f..%2f..%2fetc%2fpasswd');
  s.otherHost = await fetchApp('edgeward://evil/index.html');

  const invoke = handles.get('edgeward:invoke');
  const trusted = { sender: win.webContents, senderFrame: { parent: null, url: 'edgeward://app/index.html' } };
  const stranger = { sender: new WebContents(), senderFrame: { parent: null, url: 'edgeward://app/index.html' } };
  const iframe = { sender: win.webContents, senderFrame: { parent: {}, url: 'edgeward://app/index.html' } };
  const away = { sender: win.webContents, senderFrame: { parent: null, url: 'https://evil.example/' } };
  const channels = JSON.parse(process.env.EDGEWARD_STANDIN_CHANNELS);
  s.channels = {};
  for (const ch of channels) {
    const fromStranger = await invoke(stranger, ch, {});
    const fromIframe = await invoke(iframe, ch, {});
    const fromAway = await invoke(away, ch, {});
    const fromApp = await invoke(trusted, ch, ch === 'app.info' ? {} : { __probe: true });
    s.channels[ch] = {
      stranger: fromStranger.ok ? 'ok' : fromStranger.error.code,
      iframe: fromIframe.ok ? 'ok' : fromIframe.error.code,
      away: fromAway.ok ? 'ok' : fromAway.error.code,
      app: fromApp.ok ? 'ok' : fromApp.error.code,
    };
  }
  const sub = listeners.get('edgeward:subscribe');
  const topics = JSON.parse(process.env.EDGEWARD_STANDIN_TOPICS);
  s.topics = {};
  let id = 1;
  for (const t of topics) {
    const strangerWc = new WebContents();
    sub({ sender: strangerWc, senderFrame: { parent: null, url: 'edgeward://app/index.html' } }, id, t, {});
    const refused = strangerWc.sent.find((m) => m[0] === 'edgeward:suberror' && m[1] === id);
    sub(trusted, id + 10_000, t, {});
    const answered = win.webContents.sent.find((m) => m[0] === 'edgeward:suberror' && m[1] === id + 10_000);
    listeners.get('edgeward:unsubscribe')?.(trusted, id + 10_000);
    s.topics[t] = { stranger: refused ? refused[2].code : 'accepted', app: answered ? answered[2].code : 'accepted' };
    id++;
  }
  await invoke(trusted, 'fleet.node.add', { name: 'desk-01', host: '10.0.0.1', user: 'edge', auth: 'password' });
  const secret = await invoke(trusted, 'fleet.node.setSecret', {
    name: 'desk-01',
    kind: 'password',
    value: 'pw-not-on-disk',
    persist: true,
  });
  s.secretPersisted = secret.ok ? secret.value.persisted : secret.error.code;
  s.preloadPath = win.options.webPreferences.preload;
  s.loadedAddons = [
    ...new Set(
      fs
        .readFileSync('/proc/self/maps', 'utf8')
        .split('\n')
        .filter((l) => l.includes('better_sqlite3'))
        .map((l) => l.split(/\s+/).pop()),
    ),
  ];
  appEvents.emit('will-quit', { preventDefault: () => note('will-quit prevented until the backend closed') });
}

let finished = false;
function finish(extra) {
  if (finished) return;
  finished = true;
  Object.assign(record.scenario, extra);
  fs.writeFileSync(process.env.EDGEWARD_STANDIN_RECORD, JSON.stringify(record, null, 2));
  process.exit(0);
}
