/**
 * The user command: argument checking, and a created user can then authenticate.
 */
import {parseUserArgs} from '../../../tools/user-cli';
import {upsertUser} from '../../../shared/auth/users';
import {describeWithFirestore} from '../../support/emulators';
import {
  basic,
  startDeviceStack,
  type DeviceStack,
} from '../../support/device-stack';
import bcrypt from 'bcryptjs';

describe('npm run user: arguments', () => {
  it('parses create with every option', () => {
    expect(
      parseUserArgs([
        'create',
        '--id',
        '2',
        '--email',
        'Someone@Example.com',
        '--password',
        'secret',
        '--name',
        'S',
        '--cost',
        '4',
      ]),
    ).toEqual({
      id: '2',
      email: 'Someone@Example.com',
      password: 'secret',
      name: 'S',
      cost: 4,
    });
  });

  it.each([
    [[], 'usage'],
    [['delete', '--id', '2'], 'usage'],
    [['create', '--email', 'a@b.c', '--password', 'x'], '--id'],
    [['create', '--id', 'a/b', '--email', 'a@b.c', '--password', 'x'], '--id'],
    [
      ['create', '--id', '2', '--email', 'not-an-email', '--password', 'x'],
      '--email',
    ],
    [['create', '--id', '2', '--email', 'a@b.c'], '--password'],
    [
      ['create', '--id', '2', '--email', 'a@b.c', '--password', 'p'.repeat(73)],
      '--password',
    ],
    [
      [
        'create',
        '--id',
        '2',
        '--email',
        'a@b.c',
        '--password',
        'x',
        '--cost',
        '3',
      ],
      '--cost',
    ],
  ])('refuses %j, naming %s', (argv, word) => {
    expect(() => parseUserArgs(argv)).toThrow(word);
  });
});

describeWithFirestore('npm run user: the saved user', () => {
  let stack: DeviceStack;
  beforeAll(async () => {
    stack = await startDeviceStack();
  });
  afterAll(async () => stack.close());

  it('can register a device, and an update replaces the password', async () => {
    const args = parseUserArgs([
      'create',
      '--id',
      '7',
      '--email',
      'Seven@Example.com',
      '--password',
      'first',
      '--cost',
      '4',
    ]);
    await upsertUser(stack.db, {
      id: args.id,
      email: args.email,
      passwordHash: await bcrypt.hash(args.password, args.cost),
    });
    const path = '/api/users/7/fcm_registration_tokens';
    const body = {registration_id: 'device-7'};
    expect(
      (
        await stack.send('POST', path, {
          auth: basic('seven@example.com', 'first'),
          body,
        })
      ).status,
    ).toBe(201);
    await upsertUser(stack.db, {
      id: '7',
      email: 'seven@example.com',
      passwordHash: await bcrypt.hash('second', 4),
    });
    expect(
      (
        await stack.send('POST', path, {
          auth: basic('seven@example.com', 'first'),
          body,
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await stack.send('POST', path, {
          auth: basic('SEVEN@example.com', 'second'),
          body,
        })
      ).status,
    ).toBe(200);
    expect(
      (await stack.db.collection('users').doc('7').get()).get('email'),
    ).toBe('seven@example.com');
  });

  it('verifies Laravel $2y$ hashes as they are', async () => {
    const laravel = (await bcrypt.hash('from-laravel', 4)).replace(
      /^\$2b\$/,
      '$2y$',
    );
    await stack.db
      .collection('users')
      .doc('8')
      .set({email: 'eight@example.com', password: laravel});
    const reply = await stack.send(
      'POST',
      '/api/users/8/fcm_registration_tokens',
      {
        auth: basic('eight@example.com', 'from-laravel'),
        body: {registration_id: 'device-8'},
      },
    );
    expect(reply.status).toBe(201);
  });
});
