/** Injected at bundle time; under tests and tsx it falls back to the package's version. */
declare const __EDGEWARD_VERSION__: string | undefined;

export const APP_VERSION: string =
  typeof __EDGEWARD_VERSION__ === 'string' ? __EDGEWARD_VERSION__ : (process.env.npm_package_version ?? '0.0.0-dev');
