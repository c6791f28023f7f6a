/**
 * The device-group store: FCM's groups per project, and the create/add/remove operations with
 * FCM's rules (20 members at most, keys never reused, a group without members is deleted).
 */
import {FcmErrors, newNotificationKey, type GroupOperation} from './protocol';
/** FCM's documented limit on the members of one notification key. */
export const MAX_MEMBERS = 20;

/** A device group as the control API shows it. */
export interface GroupSnapshot {
  notification_key_name: string;
  notification_key: string;
  /** Sorted, so snapshots compare equal regardless of insertion order. */
  registration_ids: string[];
}

/** The store's content, as `--persist` saves it: groups by project, and every key issued. */
export interface StoreSnapshot {
  groups: Record<string, GroupSnapshot[]>;
  issuedKeys: string[];
}

/** What applying an operation gives: the group's key, or the error text FCM would answer. */
export type Outcome = {ok: true; key: string} | {ok: false; error: string};

interface Group {
  name: string;
  key: string;
  members: Set<string>;
}

interface ProjectGroups {
  byName: Map<string, Group>;
  byKey: Map<string, Group>;
}

/**
 * In-memory device groups, namespaced by project (FCM's sender id), with FCM's rules.
 * Synchronous on purpose: each operation is atomic, as FCM's are, without any locking.
 */
export class GroupStore {
  private readonly projects = new Map<string, ProjectGroups>();
  // Kept across resets and deletions so a re-created group always gets a key never seen before.
  private readonly issuedKeys = new Set<string>();

  constructor(private readonly makeKey: () => string = newNotificationKey) {}

  /** Applies a validated operation; on error the store is left unchanged. */
  apply(project: string, op: GroupOperation): Outcome {
    const groups = this.groupsOf(project);
    if (op.operation === 'create') return this.create(groups, op.name, op.ids);
    const group = groups.byKey.get(op.key);
    if (!group) return {ok: false, error: FcmErrors.notFound};
    if (group.name !== op.name)
      return {ok: false, error: FcmErrors.nameMismatch};
    return op.operation === 'add'
      ? add(group, op.ids)
      : remove(groups, group, op.ids);
  }

  /** The key of the named group, as FCM's GET retrieve answers it. */
  keyFor(project: string, name: string): string | undefined {
    return this.projects.get(project)?.byName.get(name)?.key;
  }

  /** The members of the group with this notification key, sorted; undefined for an unknown key. */
  membersOf(project: string, key: string): string[] | undefined {
    const group = this.projects.get(project)?.byKey.get(key);
    return group ? [...group.members].sort(compare) : undefined;
  }

  /** All groups of a project, sorted by name. */
  list(project: string): GroupSnapshot[] {
    const groups = [...(this.projects.get(project)?.byName.values() ?? [])];
    return groups
      .sort((a, b) => compare(a.name, b.name))
      .map(g => ({
        notification_key_name: g.name,
        notification_key: g.key,
        registration_ids: [...g.members].sort(compare),
      }));
  }

  /** Forgets the groups of one project, or of every project when none is given. */
  reset(project?: string): void {
    if (project === undefined) this.projects.clear();
    else this.projects.delete(project);
  }

  /** Every project's groups and every key ever handed out, as `--persist` saves them. */
  snapshot(): StoreSnapshot {
    return {
      groups: Object.fromEntries(
        [...this.projects.keys()]
          .sort(compare)
          .map(project => [project, this.list(project)]),
      ),
      issuedKeys: [...this.issuedKeys].sort(compare),
    };
  }

  /** Replaces everything with a saved snapshot (a new store's first call). */
  restore(snapshot: StoreSnapshot): void {
    this.projects.clear();
    this.issuedKeys.clear();
    for (const key of snapshot.issuedKeys) this.issuedKeys.add(key);
    for (const [project, groups] of Object.entries(snapshot.groups)) {
      const target = this.groupsOf(project);
      for (const g of groups) {
        const group: Group = {
          name: g.notification_key_name,
          key: g.notification_key,
          members: new Set(g.registration_ids),
        };
        target.byName.set(group.name, group);
        target.byKey.set(group.key, group);
        this.issuedKeys.add(group.key);
      }
    }
  }

  private create(groups: ProjectGroups, name: string, ids: string[]): Outcome {
    if (groups.byName.has(name))
      return {ok: false, error: FcmErrors.alreadyExists};
    if (ids.length > MAX_MEMBERS)
      return {ok: false, error: FcmErrors.tooManyMembers};
    const group: Group = {name, key: this.uniqueKey(), members: new Set(ids)};
    groups.byName.set(name, group);
    groups.byKey.set(group.key, group);
    return {ok: true, key: group.key};
  }

  private uniqueKey(): string {
    let key = this.makeKey();
    while (this.issuedKeys.has(key)) key = this.makeKey();
    this.issuedKeys.add(key);
    return key;
  }

  private groupsOf(project: string): ProjectGroups {
    let groups = this.projects.get(project);
    if (!groups) {
      groups = {byName: new Map(), byKey: new Map()};
      this.projects.set(project, groups);
    }
    return groups;
  }
}

function add(group: Group, ids: string[]): Outcome {
  const added = ids.filter(id => !group.members.has(id));
  if (group.members.size + added.length > MAX_MEMBERS) {
    return {ok: false, error: FcmErrors.tooManyMembers};
  }
  for (const id of added) group.members.add(id);
  return {ok: true, key: group.key};
}

function remove(groups: ProjectGroups, group: Group, ids: string[]): Outcome {
  const present = ids.filter(id => group.members.has(id));
  if (present.length === 0) return {ok: false, error: FcmErrors.noValidIds};
  for (const id of present) group.members.delete(id);
  // FCM deletes a group with no members left: its name becomes free and its key unknown.
  if (group.members.size === 0) {
    groups.byName.delete(group.name);
    groups.byKey.delete(group.key);
  }
  return {ok: true, key: group.key};
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
