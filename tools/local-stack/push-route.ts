/**
 * The local stack's Pub/Sub push endpoint: `POST /projects/{project}/topics/{topic}` goes to
 * deliverNotification inside the Functions Framework, which turns the push body into the
 * CloudEvent an Eventarc trigger delivers in production (it reads the topic from the path).
 */
import {getTestServer} from '@google-cloud/functions-framework/testing';
import type http from 'node:http';
import '../../functions/all';
import type {ExtraRoute} from './router';

const PUSH_PATH = /^\/projects\/[^/]+\/topics\/[^/]+$/;

/** Serves the push subscriptions' requests; other paths go on to the API. */
export function pushRoute(): ExtraRoute {
  let server: http.Server | undefined;
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method !== 'POST' || !PUSH_PATH.test(path)) return false;
    server ??= getTestServer('deliverNotification');
    server.emit('request', req, res);
    return true;
  };
}
