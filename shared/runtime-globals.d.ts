// Globals that exist in every runtime shared/ runs in (browser and Node) but in neither ES lib;
// declared here so shared/ needs neither DOM nor Node types.
declare function setTimeout(callback: () => void, ms?: number): unknown;
declare function clearTimeout(handle: unknown): void;
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: Uint8Array, options?: { stream?: boolean }): string;
}
declare function atob(data: string): string;
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare const crypto: { getRandomValues<T extends Uint8Array>(array: T): T };
