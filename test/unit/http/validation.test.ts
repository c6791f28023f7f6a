import {AppError} from '../../../shared/platform/errors';
import {parseRegistrationBody} from '../../../shared/http/validation';

function errorOf(body: Record<string, unknown>): AppError {
  try {
    parseRegistrationBody(body);
  } catch (err) {
    return err as AppError;
  }
  throw new Error('expected a validation error');
}

describe('parseRegistrationBody', () => {
  it('returns the trimmed token and ignores other fields, like Laravel', () => {
    expect(
      parseRegistrationBody({registration_id: '  abc:DEF-1_2  ', other: 1}),
    ).toEqual({registration_id: 'abc:DEF-1_2'});
  });

  it('accepts exactly 4096 characters', () => {
    expect(
      parseRegistrationBody({registration_id: 'a'.repeat(4096)})
        .registration_id,
    ).toHaveLength(4096);
  });

  it.each([
    [{}, 'The registration id field is required.'],
    [{registration_id: ''}, 'The registration id field is required.'],
    [{registration_id: ' \t\n'}, 'The registration id field is required.'],
    [{registration_id: null}, 'The registration id field is required.'],
    [{registration_id: true}, 'The registration id must be a string.'],
    [{registration_id: 12}, 'The registration id must be a string.'],
    [{registration_id: ['x']}, 'The registration id must be a string.'],
    [{registration_id: {x: 1}}, 'The registration id must be a string.'],
    [
      {registration_id: 'a'.repeat(4097)},
      'The registration id may not be greater than 4096 characters.',
    ],
    [{registration_id: 'has space'}, 'The registration id format is invalid.'],
    [{registration_id: 'nul\u0000'}, 'The registration id format is invalid.'],
    [{registration_id: 'ünïcode'}, 'The registration id format is invalid.'],
  ])("answers Laravel's 422 for %j", (body, message) => {
    const error = errorOf(body);
    expect(error.status).toBe(422);
    expect(error.body).toEqual({
      message: 'The given data was invalid.',
      errors: {registration_id: [message]},
    });
  });
});
