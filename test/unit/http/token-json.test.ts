import {Timestamp} from 'firebase-admin/firestore';
import {
  laravelTimestamp,
  tokenJson,
  userIdJson,
} from '../../../shared/http/token-json';

describe('token JSON', () => {
  it('formats timestamps as Laravel did, in UTC', () => {
    expect(laravelTimestamp(new Date('2020-03-18T06:35:22.999Z'))).toBe(
      '2020-03-18 06:35:22',
    );
  });

  it.each([
    ['1', 1],
    ['42', 42],
    ['01', '01'],
    ['abc', 'abc'],
    ['99999999999999999999', '99999999999999999999'],
  ])('user id %s is answered as %j', (id, expected) => {
    expect(userIdJson(id)).toBe(expected);
  });

  it('answers the stored token in the reference shape', () => {
    const at = Timestamp.fromDate(new Date('2020-03-18T06:35:22Z'));
    expect(
      tokenJson({
        id: 'abc',
        user_id: '1',
        registration_id: 'tok',
        created_at: at,
        updated_at: at,
      }),
    ).toEqual({
      id: 'abc',
      user_id: 1,
      registration_id: 'tok',
      created_at: '2020-03-18 06:35:22',
      updated_at: '2020-03-18 06:35:22',
    });
  });
});
