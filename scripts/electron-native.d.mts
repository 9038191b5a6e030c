// Types for electron-native.mjs (a plain script the desktop start runs; the tests import it too).
export function addonAbi(file: string): number | undefined;
export function electronVersion(): string;
export function electronAbi(version?: string): number;
export function nodeBinding(): string;
export function electronBindingDir(version?: string, abi?: number, cacheRoot?: string): string;
export function ensureElectronBinding(options?: { version?: string; cacheRoot?: string; log?: (message: string) => void }): string;
