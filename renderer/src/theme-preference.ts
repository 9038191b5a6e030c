import type { ThemePreference } from '../../shared/settings.js';

/** The theme to show: the user's choice, or the operating system's while the choice is "system". */
export function resolveTheme(preference: ThemePreference, systemPrefersDark: boolean): 'light' | 'dark' {
  if (preference === 'system') return systemPrefersDark ? 'dark' : 'light';
  return preference;
}
