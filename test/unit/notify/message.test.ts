import {AppError} from '../../../shared/platform/errors';
import {parseNotificationMessage} from '../../../shared/notify/message';

function errorsOf(body: Record<string, unknown>): unknown {
  try {
    parseNotificationMessage(body);
  } catch (err) {
    if (err instanceof AppError) return {status: err.status, body: err.body};
    throw err;
  }
  return 'valid';
}

describe('notifyUser body', () => {
  it.each([
    [{notification: {title: 'a', body: 'b', image: 'https://x/y.png'}}],
    [{data: {a: '1'}}],
    [
      {
        android: {
          priority: 'HIGH',
          ttl: '3600s',
          notification: {channel_id: 'c'},
        },
      },
    ],
    [{apns: {headers: {'apns-priority': '10'}, payload: {aps: {badge: 1}}}}],
    [
      {
        webpush: {fcm_options: {link: 'https://example.com'}},
        fcm_options: {analytics_label: 'l1'},
      },
    ],
  ])('accepts %j', body => {
    expect(errorsOf(body)).toBe('valid');
  });

  it.each([
    [
      {topic: 'news', data: {a: '1'}},
      {topic: ['The topic field is prohibited.']},
    ],
    [
      {condition: "'a' in topics", data: {}},
      {condition: ['The condition field is prohibited.']},
    ],
    [
      {fcm_options: {analytics_label: 'ok'}},
      {
        notification: [
          'The notification field is required when none of data / android / apns / webpush are present.',
        ],
      },
    ],
    [{data: {a: true}}, {'data.a': ['The data.a must be a string.']}],
    [
      {data: {from: 'x'}},
      {'data.from': ['The data.from key is reserved by FCM.']},
    ],
    [
      {notification: 'hi'},
      {notification: ['The notification must be an object.']},
    ],
    [
      {apns: {payload: []}},
      {'apns.payload': ['The apns.payload must be an object.']},
    ],
    [
      {fcm_options: {analytics_label: 'has space'}, data: {}},
      {
        'fcm_options.analytics_label': [
          'The fcm_options.analytics_label format is invalid.',
        ],
      },
    ],
  ])('refuses %j with 422', (body, errors) => {
    expect(errorsOf(body)).toEqual({
      status: 422,
      body: {message: 'The given data was invalid.', errors},
    });
  });
});
