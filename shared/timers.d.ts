// Timers exist in every runtime shared/ runs in (browser and Node) but in neither ES lib;
// declared here so shared/ needs neither DOM nor Node types.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
