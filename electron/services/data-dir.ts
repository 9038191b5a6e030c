import os from 'node:os';
import path from 'node:path';

/**
 * Where Edgeward keeps its data when nobody says otherwise: the platform's usual per-user place.
 * Electron passes app.getPath('userData') instead; the CLI and tests pass --data-dir.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.EDGEWARD_DATA_DIR) return path.resolve(env.EDGEWARD_DATA_DIR);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Edgeward');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Edgeward');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Edgeward');
}
