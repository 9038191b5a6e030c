import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './ipc/preload-api.js';

// The page gets exactly one object, window.edgeward; never ipcRenderer itself.
contextBridge.exposeInMainWorld('edgeward', createPreloadApi(ipcRenderer));
