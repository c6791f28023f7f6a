/**
 * What `npm run notify` makes of a send: its exit status, and a sentence saying why when
 * not every device was reached. "Sent" counts only what FCM accepted; a user with devices
 * to whom nothing could be sent is a failure, whatever the reason.
 */
import type {DeliveryOutcome, NotifyResult} from '../../shared/notify';

export interface Verdict {
  code: 0 | 1;
  /** One or two sentences for stderr; absent when every device was sent to. */
  note?: string;
}

/** What the command knows besides the result: its backend, and the user's stored group. */
export interface SendContext {
  userId: string;
  deviceGroups: 'fcm' | 'firestore';
  /** Whether the user's document holds a notification key (read only when it matters). */
  hasNotificationKey: () => Promise<boolean>;
}

const WHY: Record<Exclude<DeliveryOutcome, 'sent'>, string> = {
  removed: 'removed (FCM said the token is dead)',
  'kept-refreshed':
    'kept (FCM said the token is dead, but the device registered it again meanwhile)',
  'sender-id-mismatch':
    'of another Firebase project (check FCM_PROJECT_ID and the app)',
  unavailable: 'not reached (FCM stayed unavailable through the retries)',
  'quota-exceeded': 'not reached (FCM quota exceeded)',
  'invalid-message': 'refused (FCM refused the message itself)',
  failed: 'failed (see the WARNING lines above)',
};

/** "2 removed (…), 1 failed (…)": the devices not reached, by outcome. */
function breakdown(result: NotifyResult): string {
  const counts = new Map<Exclude<DeliveryOutcome, 'sent'>, number>();
  for (const {outcome} of result.results)
    if (outcome !== 'sent') counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
  return [...counts].map(([outcome, n]) => `${n} ${WHY[outcome]}`).join(', ');
}

const devices = (n: number) => `${n} device${n === 1 ? '' : 's'}`;

/** Judges a result; `hasNotificationKey` is asked only in fcm mode when nothing was sent. */
export async function judge(
  result: NotifyResult,
  context: SendContext,
): Promise<Verdict> {
  const {userId} = context;
  const total = result.results.length;
  if (total === 0)
    return {code: 0, note: `User ${userId} has no devices: nothing to send.`};
  if (result.sent === total) return {code: 0};
  if (result.sent > 0)
    return {
      code: 1,
      note: `${result.failed} of user ${userId}'s ${devices(total)} were not sent to: ${breakdown(result)}.`,
    };
  if (context.deviceGroups === 'firestore')
    return {
      code: 1,
      note: `Nothing was sent to user ${userId}'s ${devices(total)}: ${breakdown(result)}.`,
    };
  if (!(await context.hasNotificationKey()))
    return {
      code: 1,
      note:
        `Nothing was sent: user ${userId} has ${devices(total)} but no FCM device group; their devices were most likely registered by a stack running DEVICE_GROUPS=firestore, while this command runs with DEVICE_GROUPS=fcm (the default). ` +
        'Run it with the backend the data was written with: DEVICE_GROUPS=firestore npm run notify -- ….',
    };
  return {
    code: 1,
    note:
      `Nothing was sent to user ${userId}'s ${devices(total)}: FCM refused the send to their notification key (its answer is in the WARNING line above). ` +
      "If FCM does not know the key, the device group is gone (an FCM emulator restarted without its data, for one): the next registration of one of the user's devices creates it again, and `npm run retire-device-groups -- --rebuild` rebuilds every group from Firestore.",
  };
}
