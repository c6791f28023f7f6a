/**
 * Paths the local server serves besides the functions (the API documentation).
 */
import type { ExtraRoute } from './router';

export function localExtraRoutes(): ExtraRoute[] {
  return [];
}
