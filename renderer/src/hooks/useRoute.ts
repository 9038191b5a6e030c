import { useEffect, useState } from 'react';
import { routeFromHash, type RouteId } from '../routes';

/** Hash routing: works from file-like origins and the loopback server alike, and survives reloads. */
export function useRoute(): [RouteId, (id: RouteId) => void] {
  const [route, setRoute] = useState<RouteId>(() => routeFromHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setRoute(routeFromHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return [route, (id) => (window.location.hash = `#/${id}`)];
}
