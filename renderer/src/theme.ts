import { useEffect } from 'react';
import type { ThemePreference } from '../../shared/settings.js';
import { resolveTheme } from './theme-preference';

/** Applies the theme to <html> and follows the OS live while the preference is "system". */
export function useApplyTheme(preference: ThemePreference): void {
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = resolveTheme(preference, media.matches);
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [preference]);
}
