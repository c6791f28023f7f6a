/**
 * Paths the local server serves besides the functions: the API documentation.
 */
import {docsRoute} from '../docs/serve';
import type {ExtraRoute} from './router';

export function localExtraRoutes(): ExtraRoute[] {
  return [docsRoute];
}
