/**
 * The device rules (shared/devices/rules.ts), without any store: cases that matter, and
 * properties over random sequences of registrations and removals run against a model of
 * the store that applies the rules' changes the way state.ts writes them.
 */
import fc from 'fast-check';
import {Timestamp} from 'firebase-admin/firestore';
import {
  byAge,
  devicesOf,
  evictionFor,
  isRemovable,
  mapDiff,
  newToken,
  registration,
  userChange,
  type DeviceRef,
  type DevicesChange,
  type UserDevices,
} from '../../../shared/devices/rules';

const at = (ms: number) => Timestamp.fromMillis(ms);
const device = (id: string, ms: number): DeviceRef => ({
  id,
  registration_id: `token-${id}`,
  updated_at: at(ms),
});
const user = (
  userId: string,
  tokens: DeviceRef[],
  notificationKey: string | null = null,
): UserDevices => ({userId, notificationKey, tokens: [...tokens].sort(byAge)});

describe('device rules', () => {
  it('orders devices least recently registered first, ties by id', () => {
    expect(
      devicesOf({
        b: {registration_id: 'b', updated_at: at(2)},
        c: {registration_id: 'c', updated_at: at(1)},
        a: {registration_id: 'a', updated_at: at(2)},
      }).map(d => d.id),
    ).toEqual(['c', 'a', 'b']);
  });

  it.each([
    [0, 3, []],
    [2, 3, []],
    [3, 3, ['d0']],
    [5, 3, ['d0', 'd1', 'd2']],
    [1, 1, ['d0']],
  ])('with %d devices and a maximum of %d, evicts %j', (n, max, evicted) => {
    const mine = Array.from({length: n}, (_, i) => device(`d${i}`, i));
    expect(evictionFor(mine, max).map(d => d.id)).toEqual(evicted);
  });

  it('registers a new token: evicts, adds, and empties no group it keeps', () => {
    const mine = user('u1', [device('a', 1), device('b', 2)], 'key-1');
    const token = newToken('token-c', 'c', 'u1', at(3));
    expect(registration(mine, token, 2)).toEqual({
      token,
      evicted: [device('a', 1)],
      mine: {
        set: {c: {registration_id: 'token-c', updated_at: at(3)}},
        drop: ['a'],
        clearKey: false,
      },
      groupEmptied: false,
    });
  });

  it("moves another user's token: their list drops it, and their key goes with their last device", () => {
    const mine = user('u1', []);
    const theirs = user('u2', [device('c', 1)], 'key-2');
    const token = newToken('token-c', 'c', 'u1', at(5));
    const reg = registration(mine, token, 20, {from: theirs, keepKey: false});
    expect(reg.theirs).toEqual({
      userId: 'u2',
      change: {set: {}, drop: ['c'], clearKey: true},
    });
    expect(reg.groupEmptied).toBe(true);
  });

  it.each([
    // [token owner, updated_at, user, cutoff, removable]
    ['u1', 100, 'u1', undefined, true],
    ['u2', 100, 'u1', undefined, false],
    ['u1', 100, 'u1', 101, true],
    ['u1', 100, 'u1', 100, false],
    ['u1', 100, 'u1', 50, false],
  ])(
    'a token of %s updated at %d is removable by %s with cutoff %s: %s',
    (owner, updated, userId, cutoff, removable) => {
      expect(
        isRemovable(
          {user_id: owner, updated_at: at(updated)},
          userId,
          cutoff === undefined ? undefined : new Date(cutoff),
        ),
      ).toBe(removable);
    },
  );

  it('removes nothing that is not there', () => {
    expect(isRemovable(null, 'u1')).toBe(false);
  });

  it('rebuilds a map from the token documents, entry by entry', () => {
    expect(
      mapDiff(
        {
          a: {registration_id: 'token-a', updated_at: at(1)},
          ghost: {registration_id: 'x', updated_at: at(1)},
          b: {registration_id: 'token-b', updated_at: at(1)},
        },
        [device('a', 1), device('b', 2), device('c', 3)],
      ),
    ).toEqual({
      set: {
        b: {registration_id: 'token-b', updated_at: at(2)},
        c: {registration_id: 'token-c', updated_at: at(3)},
      },
      drop: ['ghost'],
      clearKey: false,
    });
  });

  it('drops the key with the last device only when the group goes', () => {
    const mine = user('u1', [device('a', 1)], 'key');
    expect(userChange(mine, {drop: ['a'], keepKey: false}).clearKey).toBe(true);
    expect(userChange(mine, {drop: ['a']}).clearKey).toBe(false);
    expect(
      userChange(mine, {drop: ['a'], add: device('b', 2), keepKey: false})
        .clearKey,
    ).toBe(false);
  });
});

/** A store of users' device lists, changed only the way state.ts applies DevicesChanges. */
class Model {
  readonly lists = new Map<string, Map<string, DeviceRef>>();
  readonly owner = new Map<string, string>();

  devices(userId: string): UserDevices {
    return user(userId, [...(this.lists.get(userId)?.values() ?? [])]);
  }

  apply(userId: string, change: DevicesChange) {
    const list = this.lists.get(userId) ?? new Map<string, DeviceRef>();
    for (const id of change.drop) list.delete(id);
    for (const [id, entry] of Object.entries(change.set))
      list.set(id, {id, ...entry});
    this.lists.set(userId, list);
  }

  /** A registration as both backends make it: refresh, or register/move within `max`. */
  register(userId: string, tokenNo: number, now: number, max: number) {
    const id = `t${tokenNo}`;
    const ownerNow = this.owner.get(id);
    if (ownerNow === userId) {
      this.apply(userId, {
        set: {[id]: {registration_id: `token-${id}`, updated_at: at(now)}},
        drop: [],
        clearKey: false,
      });
      return;
    }
    const reg = registration(
      this.devices(userId),
      newToken(`token-${id}`, id, userId, at(now)),
      max,
      {from: ownerNow === undefined ? undefined : this.devices(ownerNow)},
    );
    for (const old of reg.evicted) this.owner.delete(old.id);
    this.apply(userId, reg.mine);
    if (reg.theirs) this.apply(reg.theirs.userId, reg.theirs.change);
    this.owner.set(id, userId);
  }

  remove(userId: string, tokenNo: number) {
    const id = `t${tokenNo}`;
    const token = this.lists.get(userId)?.get(id);
    const doc = token && {user_id: userId, updated_at: token.updated_at};
    if (!isRemovable(doc ?? null, userId)) return;
    this.apply(userId, userChange(this.devices(userId), {drop: [id]}));
    this.owner.delete(id);
  }
}

const step = fc.record({
  kind: fc.constantFrom('add', 'add', 'add', 'remove'),
  user: fc.constantFrom('u1', 'u2', 'u3'),
  token: fc.nat(12),
});

describe('device rules, over any sequence of registrations and removals', () => {
  const run = (
    max: number,
    steps: Array<{kind: string; user: string; token: number}>,
  ) => {
    const model = new Model();
    steps.forEach((s, i) =>
      s.kind === 'add'
        ? model.register(s.user, s.token, 1000 + i, max)
        : model.remove(s.user, s.token),
    );
    return model;
  };

  it('never lists more than the maximum for a user', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 5}),
        fc.array(step),
        (max, steps) => {
          const model = run(max, steps);
          return [...model.lists.values()].every(list => list.size <= max);
        },
      ),
    );
  });

  it('keeps the most recently registered devices', () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 5}),
        fc.array(step),
        (max, steps) => {
          const model = run(max, steps);
          const now = steps.length + 1000;
          // The next registration of a new token evicts exactly the oldest beyond the room.
          for (const userId of ['u1', 'u2', 'u3']) {
            const before = model.devices(userId).tokens;
            model.register(userId, 99, now, max);
            const after = model.devices(userId).tokens.map(d => d.id);
            const kept = before.slice(
              before.length - Math.min(before.length, max - 1),
            );
            if (!kept.every(d => after.includes(d.id))) return false;
            if (after.length !== Math.min(before.length + 1, max)) return false;
            model.remove(userId, 99);
          }
          return true;
        },
      ),
    );
  });

  it("lists a moved token in exactly one user's map, its owner's", () => {
    fc.assert(
      fc.property(
        fc.integer({min: 1, max: 5}),
        fc.array(step),
        (max, steps) => {
          const model = run(max, steps);
          for (let n = 0; n <= 12; n++) {
            const holders = [...model.lists].filter(([, list]) =>
              list.has(`t${n}`),
            );
            const owner = model.owner.get(`t${n}`);
            if (
              owner === undefined ? holders.length !== 0 : holders.length !== 1
            )
              return false;
            if (owner !== undefined && holders[0]![0] !== owner) return false;
          }
          return true;
        },
      ),
    );
  });
});
