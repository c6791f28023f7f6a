import type {FaultSpec} from './faults';
import {json, type Reply} from './http-json';

/** The reply an injected fault gives in place of (or on top of) processing the call. */
export function faultReply(fault: FaultSpec): Reply {
  switch (fault.mode) {
    case 'http500':
      return googleError(500, 'Internal error', 'INTERNAL');
    case 'http503':
      return googleError(
        503,
        'The service is currently unavailable.',
        'UNAVAILABLE',
      );
    case 'http400':
      return json(400, {error: fault.error ?? 'unexpected failure'});
    case 'timeout':
      return {kind: 'hang'};
    case 'close':
      return {kind: 'destroy'};
  }
}

// Google front ends answer server-side failures in this shape, not in the legacy `{"error": text}`.
function googleError(code: number, message: string, status: string): Reply {
  return json(code, {error: {code, message, status}});
}
