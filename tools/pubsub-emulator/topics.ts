/**
 * What a batch needs in a Pub/Sub emulator: NOTIFY_TOPIC, its dead-letter topic, and a push
 * subscription on each to deliverNotification. A push endpoint's path names the topic
 * (`/projects/P/topics/T`): the Functions Framework turns such a push body into the
 * CloudEvent an Eventarc trigger would deliver in production. deploy.sh makes the same in a
 * project (docs/sending.md, "Batches").
 */
import {deadLetterTopic} from '../../shared/notify/batch';

export interface NotifyTopicsOptions {
  /** `host:port` of the emulator. */
  emulatorHost: string;
  projectId: string;
  /** NOTIFY_TOPIC. */
  topic: string;
  /** Where deliverNotification listens, e.g. `http://127.0.0.1:40020`. */
  pushBase: string;
  /** Redeliveries' backoff (the emulator waits about 1 s, then 3 s or more, whatever it says). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** After this many deliveries a message moves to the dead-letter topic (5 to 100). */
  maxDeliveryAttempts?: number;
  /** How long a push may take before it counts as failed (10 to 600 s). */
  ackDeadlineSeconds?: number;
}

/** The subscription of a topic to deliverNotification. */
export const subscriptionOf = (topic: string) => `${topic}-deliver`;

const duration = (ms: number) => ({
  seconds: Math.floor(ms / 1000),
  nanos: (ms % 1000) * 1e6,
});

/** Creates (or updates) the topics and push subscriptions; safe to run again. */
export async function setUpNotifyTopics(
  opts: NotifyTopicsOptions,
): Promise<void> {
  const {PubSub} = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({
    projectId: opts.projectId,
    apiEndpoint: opts.emulatorHost,
    emulatorMode: true,
  });
  const endpoint = (topic: string) =>
    `${opts.pushBase.replace(/\/+$/, '')}/projects/${opts.projectId}/topics/${topic}`;
  const exists = (err: unknown) => (err as {code?: number}).code === 6;
  try {
    const dead = deadLetterTopic(opts.topic);
    for (const topic of [opts.topic, dead])
      await pubsub.createTopic(topic).catch((err: unknown) => {
        if (!exists(err)) throw err;
      });
    const subscribe = async (topic: string, options: object) => {
      const name = subscriptionOf(topic);
      await pubsub
        .topic(topic)
        .createSubscription(name, {
          pushConfig: {pushEndpoint: endpoint(topic)},
          ackDeadlineSeconds: opts.ackDeadlineSeconds ?? 60,
          ...options,
        })
        .catch(async (err: unknown) => {
          if (!exists(err)) throw err;
          // Kept from an earlier stack on this emulator: point it at this one.
          await pubsub
            .subscription(name)
            .modifyPushConfig({pushEndpoint: endpoint(topic)});
        });
    };
    await subscribe(opts.topic, {
      retryPolicy: {
        minimumBackoff: duration(opts.minBackoffMs ?? 1_000),
        maximumBackoff: duration(opts.maxBackoffMs ?? 10_000),
      },
      deadLetterPolicy: {
        deadLetterTopic: `projects/${opts.projectId}/topics/${dead}`,
        maxDeliveryAttempts: opts.maxDeliveryAttempts ?? 15,
      },
    });
    await subscribe(dead, {});
  } finally {
    await pubsub.close();
  }
}

/**
 * Deletes the push subscriptions setUpNotifyTopics made: a subscription left pushing to a
 * server that is gone makes the emulator retry its messages as fast as it can, for ever.
 */
export async function removeNotifySubscriptions(
  opts: Pick<NotifyTopicsOptions, 'emulatorHost' | 'projectId' | 'topic'>,
): Promise<void> {
  const {PubSub} = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({
    projectId: opts.projectId,
    apiEndpoint: opts.emulatorHost,
    emulatorMode: true,
  });
  try {
    for (const topic of [opts.topic, deadLetterTopic(opts.topic)])
      await pubsub
        .subscription(subscriptionOf(topic))
        .delete()
        .catch((err: unknown) => {
          if ((err as {code?: number}).code !== 5) throw err; // NOT_FOUND: gone already
        });
  } finally {
    await pubsub.close();
  }
}
