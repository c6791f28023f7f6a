/**
 * The route table: which function serves which method and path. The local stack routes
 * with it and the API documentation is generated from it.
 */
export type FunctionName = 'addDevice' | 'removeDevice' | 'cron';

export interface Route {
  functionName: FunctionName;
  method: 'GET' | 'POST' | 'DELETE';
  /** The Laravel path, with `{user}` style parameters. */
  path: string;
  summary: string;
}

export const ROUTES: readonly Route[] = [
  {
    functionName: 'cron',
    method: 'GET',
    path: '/api/cron',
    summary: 'Run the scheduled tasks',
  },
  {
    functionName: 'addDevice',
    method: 'POST',
    path: '/api/users/{user}/fcm_registration_tokens',
    summary: 'Add a device',
  },
  {
    functionName: 'removeDevice',
    method: 'DELETE',
    path: '/api/users/{user}/fcm_registration_tokens',
    summary: 'Remove a device',
  },
];

function pattern(path: string): RegExp {
  const body = path.replace(/^\/api/, '').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^(?:/api)?${body}$`);
}

const COMPILED = ROUTES.map(route => ({route, regex: pattern(route.path)}));

/** The routes whose path matches `path` (any method). */
export function routesFor(path: string): Route[] {
  return COMPILED.filter(({regex}) => regex.test(path)).map(({route}) => route);
}
