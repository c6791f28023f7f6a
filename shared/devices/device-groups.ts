/**
 * The device-group backend, behind one interface. FCM device groups are deprecated
 * (no new projects after 2026-12-01, removal 2027-09-29): a replacement (for example
 * sending with sendEachForMulticast to the stored tokens) implements this interface.
 *
 * Both operations are idempotent and recover on their own where the remote state says
 * how; any other failure throws an AppError with code `unavailable` (503).
 */
export interface DeviceGroups {
  /**
   * Ensures `tokens` are members of the group `name`, creating the group when needed.
   * @param knownKey - the key stored for the group, or null when none is known
   * @param signal - the caller's lease: every remote call ends when it aborts
   * @returns the group's notification key
   */
  add(
    name: string,
    knownKey: string | null,
    tokens: readonly string[],
    signal: AbortSignal,
  ): Promise<string>;

  /**
   * Ensures `tokens` are not members of the group `name`. A missing group, or tokens that
   * are not members, count as done. Removing the last member deletes the group.
   */
  remove(
    name: string,
    knownKey: string | null,
    tokens: readonly string[],
    signal: AbortSignal,
  ): Promise<void>;
}

/** The group name of a user: `{prefix}_users-{id}`, as the Laravel app named them. */
export function groupName(prefix: string, userId: string): string {
  return `${prefix}_users-${userId}`;
}
