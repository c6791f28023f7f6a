/**
 * Sending to many users (docs/sending.md, "Batches"): notifyUsers creates a batch and
 * publishes one Pub/Sub message per user; deliverNotification delivers each through
 * notifyUser's send path, exactly once per device; the status is counted from per-user
 * documents. This is the public surface, wired from the configuration.
 */
import type {Config} from '../../platform/config';
import type {Logger} from '../../platform/logger';
import {makeNotifyAuth, type NotifyAuth} from '../auth';
import {createDeliverPart, type NotifyPartDeps} from '../index';
import {createBatchCreator, type CreateBatch} from './create';
import {pubsubPublisher, type Publisher} from './publish';
import {parseBatchEvent, type PubsubCloudEvent} from './pubsub-message';
import {createRecipientDelivery, type EventResult} from './recipient';
import {createStatusReader, type ReadStatus} from './status';

export type {BatchStatus} from './status';
export type {CreatedBatch, NewBatch} from './create';
export {statusUrl} from './create';
export type {EventResult} from './recipient';
export type {PubsubCloudEvent} from './pubsub-message';
export {deadLetterTopic} from './pubsub-message';
export {MAX_USERS_PER_BATCH} from './collections';

export interface NotifyBatches {
  /** notifyUser's allow-list check. */
  authorize: NotifyAuth;
  /** Records a batch and publishes its users (notifyUsers' POST, `npm run notify -- --users`). */
  create: CreateBatch;
  /** A batch's status; null when there is no such batch. */
  status: ReadStatus;
  /** One Pub/Sub event of NOTIFY_TOPIC or its dead-letter topic (deliverNotification). */
  deliverEvent(event: PubsubCloudEvent, log: Logger): Promise<EventResult>;
  /** Closes the Pub/Sub client, if one was opened (commands, before exiting). */
  close(): Promise<void>;
}

export interface NotifyBatchDeps extends NotifyPartDeps {
  /** Pub/Sub; the real client for the configured project when absent. */
  publisher?: Publisher;
}

export function createNotifyBatches(deps: NotifyBatchDeps): NotifyBatches {
  const config: Config = deps.config;
  const publisher = deps.publisher ?? pubsubPublisher(config.projectId);
  const deliverRecipient = createRecipientDelivery({
    db: deps.db,
    deliver: createDeliverPart(deps),
    config: config.notify,
    clock: deps.clock,
  });
  return {
    authorize: makeNotifyAuth(config.notify, deps.verify),
    create: createBatchCreator({
      db: deps.db,
      publisher,
      config: config.notify,
      clock: deps.clock,
    }),
    status: createStatusReader({db: deps.db}),
    async deliverEvent(event, log) {
      const parsed = parseBatchEvent(event, config.notify.topic);
      switch (parsed.kind) {
        case 'invalid':
          // Redelivering it cannot help: say so loudly and acknowledge.
          log.error('a Pub/Sub message that names no user of a batch', {
            problem: parsed.problem,
            eventId: event.id,
          });
          return {kind: 'skipped', why: parsed.problem};
        case 'other-topic':
          // The trigger and NOTIFY_TOPIC disagree: keep the messages until that is fixed.
          log.error(
            `an event of topic ${parsed.topic}, which is neither NOTIFY_TOPIC (${config.notify.topic}) nor its dead-letter topic: check the trigger and NOTIFY_TOPIC`,
            {eventId: event.id},
          );
          return {kind: 'retry', why: `an event of topic ${parsed.topic}`};
        case 'delivery':
          return deliverRecipient(
            parsed.batchId,
            parsed.userId,
            parsed.deadLetter,
            log.child({batchId: parsed.batchId, userId: parsed.userId}),
          );
      }
    },
    close: () => publisher.close(),
  };
}
