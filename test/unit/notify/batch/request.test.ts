import {AppError} from '../../../../shared/platform/errors';
import {parseBatchBody} from '../../../../shared/notify/batch/request';

const MESSAGE = {notification: {title: 'Hi'}};

function errorsOf(body: Record<string, unknown>): unknown {
  try {
    parseBatchBody(body);
  } catch (err) {
    if (err instanceof AppError) return {status: err.status, body: err.body};
    throw err;
  }
  throw new Error('expected a 422');
}

describe('notifyUsers body', () => {
  it('takes string and integer ids as strings, and expires_in in seconds', () => {
    expect(
      parseBatchBody({users: ['a', 7], message: MESSAGE, expires_in: 90}),
    ).toEqual({users: ['a', '7'], message: MESSAGE, expiresInMs: 90_000});
    expect(parseBatchBody({users: ['1'], message: MESSAGE})).toEqual({
      users: ['1'],
      message: MESSAGE,
      expiresInMs: undefined,
    });
  });

  it.each([
    [
      'ids that are duplicates, malformed, or neither strings nor integers',
      {users: ['1', 1, '..', true], message: MESSAGE},
      {
        'users.3': ['The users.3 must be a string or an integer.'],
        'users.1': ['The users.1 field has a duplicate value.'],
        'users.2': ['The users.2 format is invalid.'],
      },
    ],
    [
      "the message's problems, under message.",
      {users: ['1'], message: {topic: 'news', data: {k: 1}}},
      {
        'message.topic': ['The message.topic field is prohibited.'],
        'message.data.k': ['The message.data.k must be a string.'],
      },
    ],
    [
      'a message that is not an object',
      {users: ['1'], message: 'hi'},
      {message: ['The message must be an object.']},
    ],
    [
      'expires_in out of bounds, or not whole',
      {users: ['1'], message: MESSAGE, expires_in: 86_401},
      {expires_in: ['The expires_in must be between 1 and 86400.']},
    ],
    [
      'expires_in as text',
      {users: ['1'], message: MESSAGE, expires_in: '60'},
      {expires_in: ['The expires_in must be an integer.']},
    ],
  ])('refuses %s with 422', (_name, body, errors) => {
    expect(errorsOf(body)).toEqual({
      status: 422,
      body: {message: 'The given data was invalid.', errors},
    });
  });
});
