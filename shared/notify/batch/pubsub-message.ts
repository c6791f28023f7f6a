/**
 * The Pub/Sub side of a batch: the one message per user that notifyUsers publishes, the
 * dead-letter topic's name, and the CloudEvent deliverNotification receives, read back.
 */
import {isUserId} from '../request';
import {isBatchId} from './collections';

/** The data of one message: which user of which batch to deliver. */
export interface RecipientMessage {
  batch: string;
  user: string;
}

/** The topic Pub/Sub moves a message to once its delivery attempts run out. */
export function deadLetterTopic(topic: string): string {
  return `${topic}-dead-letter`;
}

/** The shape of a Pub/Sub CloudEvent (google.cloud.pubsub.topic.v1.messagePublished). */
export interface PubsubCloudEvent {
  id?: string;
  /** `//pubsub.googleapis.com/projects/PROJECT/topics/TOPIC`. */
  source?: string;
  data?: {
    message?: {
      data?: string;
      attributes?: Record<string, string>;
      messageId?: string;
    };
  };
}

export type BatchEvent =
  | {
      kind: 'delivery';
      batchId: string;
      userId: string;
      /** From the dead-letter topic: the delivery attempts ran out. */
      deadLetter: boolean;
      messageId: string | undefined;
    }
  /** A message this function cannot act on (logged; redelivering it changes nothing). */
  | {kind: 'invalid'; problem: string}
  /** From a topic this deployment does not know: a configuration mistake. */
  | {kind: 'other-topic'; topic: string};

/** Reads an event of `topic` (NOTIFY_TOPIC) or of its dead-letter topic. */
export function parseBatchEvent(
  event: PubsubCloudEvent,
  topic: string,
): BatchEvent {
  const source = /\/topics\/([^/]+)$/.exec(event.source ?? '')?.[1];
  if (source === undefined)
    return {kind: 'invalid', problem: `no topic in source "${event.source}"`};
  if (source !== topic && source !== deadLetterTopic(topic))
    return {kind: 'other-topic', topic: source};
  const message = event.data?.message;
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(message?.data ?? '', 'base64').toString());
  } catch {
    return {kind: 'invalid', problem: 'the message data is not JSON'};
  }
  const {batch, user} = (data ?? {}) as Partial<Record<string, unknown>>;
  if (typeof batch !== 'string' || !isBatchId(batch))
    return {kind: 'invalid', problem: 'the message names no batch'};
  if (typeof user !== 'string' || !isUserId(user))
    return {kind: 'invalid', problem: 'the message names no user'};
  const attributes = message?.attributes ?? {};
  return {
    kind: 'delivery',
    batchId: batch,
    userId: user,
    deadLetter:
      source === deadLetterTopic(topic) ||
      'CloudPubSubDeadLetterSourceDeliveryCount' in attributes,
    messageId: message?.messageId,
  };
}
