/**
 * Paths the local server serves besides the functions: the index at `/` and the API documentation.
 */
import {docsRouteFor} from '../docs/serve';
import {indexRoute} from './index-route';
import type {ExtraRoute} from './router';

/** The extra routes of a stack served at `origin`; `data` says where its data lives. */
export function localExtraRoutes(origin: string, data: string): ExtraRoute[] {
  return [indexRoute(origin, data), docsRouteFor(origin)];
}
