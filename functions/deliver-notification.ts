/**
 * deliverNotification: the CloudEvent function of NOTIFY_TOPIC (and, deployed a second
 * time, of its dead-letter topic). One event is one user of a batch: it is delivered and
 * recorded before the function returns; a failed invocation is redelivered by Pub/Sub.
 */
import * as functions from '@google-cloud/functions-framework';
import {eventEndpoint, type EventHandler} from '../shared/http/event-endpoint';
import type {PubsubCloudEvent} from '../shared/notify/batch';
import {productionRuntime, type Runtime} from '../shared/runtime';

/** The part of the runtime deliverNotification uses. */
export type DeliverNotificationRuntime = Pick<
  Runtime,
  'config' | 'log' | 'notifyBatches'
>;

export const deliverNotification: EventHandler<
  DeliverNotificationRuntime
> = async (event, runtime, log) => {
  const result = await runtime.notifyBatches.deliverEvent(
    event as PubsubCloudEvent,
    log,
  );
  if (result.kind === 'recorded')
    log.info('batch delivery recorded', {
      outcome: result.outcome,
      ...(result.reason ? {reason: result.reason} : {}),
    });
  else if (result.kind === 'skipped')
    log.debug('batch delivery skipped', {why: result.why});
  return result;
};

/** The CloudEvent function, for a given runtime (tests) or the production one. */
export const makeDeliverNotification = (
  getRuntime: () => DeliverNotificationRuntime = productionRuntime,
) => eventEndpoint('deliverNotification', getRuntime, deliverNotification);

functions.cloudEvent('deliverNotification', makeDeliverNotification());
