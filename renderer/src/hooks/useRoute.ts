import { useEffect, useState } from 'react';
import { routeFromHash, routeParam, type RouteId } from '../routes';

/** Hash routing: works from file-like origins and the loopback server alike, and survives reloads. */
export function useRoute(): [RouteId, (id: RouteId, param?: string) => void, string | undefined] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onHash = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return [routeFromHash(hash), navigate, routeParam(hash)];
}

export function navigate(id: RouteId, param?: string): void {
  window.location.hash = param ? `#/${id}/${encodeURIComponent(param)}` : `#/${id}`;
}
