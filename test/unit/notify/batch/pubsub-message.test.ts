import {
  deadLetterTopic,
  parseBatchEvent,
  type PubsubCloudEvent,
} from '../../../../shared/notify/batch/pubsub-message';

const event = (
  topic: string,
  data: unknown,
  attributes: Record<string, string> = {},
): PubsubCloudEvent => ({
  id: '42',
  source: `//pubsub.googleapis.com/projects/p1/topics/${topic}`,
  data: {
    message: {
      data: Buffer.from(
        typeof data === 'string' ? data : JSON.stringify(data),
      ).toString('base64'),
      attributes,
      messageId: '42',
    },
  },
});

describe('batch events', () => {
  it('names the dead-letter topic after the topic', () => {
    expect(deadLetterTopic('notifications')).toBe('notifications-dead-letter');
  });

  it.each([
    [
      'a user of the topic',
      event('notifications', {batch: 'b1', user: '7'}),
      {
        kind: 'delivery',
        batchId: 'b1',
        userId: '7',
        deadLetter: false,
        messageId: '42',
      },
    ],
    [
      'a user of the dead-letter topic',
      event('notifications-dead-letter', {batch: 'b1', user: '7'}),
      {
        kind: 'delivery',
        batchId: 'b1',
        userId: '7',
        deadLetter: true,
        messageId: '42',
      },
    ],
    [
      'a message Pub/Sub moved from another subscription',
      event(
        'notifications',
        {batch: 'b1', user: '7'},
        {CloudPubSubDeadLetterSourceDeliveryCount: '15'},
      ),
      {
        kind: 'delivery',
        batchId: 'b1',
        userId: '7',
        deadLetter: true,
        messageId: '42',
      },
    ],
    [
      'another topic',
      event('orders', {batch: 'b1', user: '7'}),
      {kind: 'other-topic', topic: 'orders'},
    ],
    [
      'data that is not JSON',
      event('notifications', '{'),
      {kind: 'invalid', problem: 'the message data is not JSON'},
    ],
    [
      'no batch',
      event('notifications', {user: '7'}),
      {kind: 'invalid', problem: 'the message names no batch'},
    ],
    [
      'a batch id with a slash',
      event('notifications', {batch: 'a/b', user: '7'}),
      {kind: 'invalid', problem: 'the message names no batch'},
    ],
    [
      'a user id Firestore refuses',
      event('notifications', {batch: 'b1', user: '__x__'}),
      {kind: 'invalid', problem: 'the message names no user'},
    ],
    [
      'no source',
      {data: {}},
      {kind: 'invalid', problem: 'no topic in source "undefined"'},
    ],
  ])('reads %s', (_name, input, expected) => {
    expect(parseBatchEvent(input, 'notifications')).toEqual(expected);
  });
});
