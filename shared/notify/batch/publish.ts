/**
 * Publishing a batch: one Pub/Sub message per user on NOTIFY_TOPIC, through
 * `@google-cloud/pubsub` with its batching (up to 500 messages, or 20 ms, per publish
 * call) and its own retries. The client is created on first use (it loads gRPC), and
 * honours PUBSUB_EMULATOR_HOST like every Google SDK.
 */
import type {PubSub, Topic} from '@google-cloud/pubsub';
import {lazy} from '../../platform/lazy';
import type {RecipientMessage} from './pubsub-message';

export interface Publisher {
  /** Publishes one message per user; resolves with the users whose message failed, and why. */
  publish(
    topic: string,
    messages: readonly RecipientMessage[],
  ): Promise<{failed: string[]; cause?: unknown}>;
  /** Sends what is buffered and closes the client (commands do, before exiting). */
  close(): Promise<void>;
}

const BATCHING = {maxMessages: 500, maxMilliseconds: 20};

export function pubsubPublisher(projectId: string | undefined): Publisher {
  const client = lazy(async (): Promise<PubSub> => {
    const {PubSub} = await import('@google-cloud/pubsub');
    return new PubSub(projectId ? {projectId} : {});
  });
  const topics = new Map<string, Topic>();
  let opened = false;
  return {
    async publish(name, messages) {
      const pubsub = await client();
      opened = true;
      let topic = topics.get(name);
      if (!topic)
        topics.set(name, (topic = pubsub.topic(name, {batching: BATCHING})));
      const results = await Promise.allSettled(
        messages.map(json => topic.publishMessage({json})),
      );
      const failed = messages.filter(
        (_, i) => results[i]!.status === 'rejected',
      );
      const rejected = results.find(r => r.status === 'rejected');
      return {
        failed: failed.map(m => m.user),
        ...(rejected ? {cause: rejected.reason} : {}),
      };
    },
    async close() {
      if (!opened) return;
      const pubsub = await client();
      await Promise.all([...topics.values()].map(t => t.flush()));
      await pubsub.close();
    },
  };
}
