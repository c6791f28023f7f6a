/**
 * The task runner against the Firestore emulator, with an injected clock: due-ness, the
 * per-task lease under concurrent invocations, duplicate deliveries, failures and retries,
 * and the run records.
 */
import {Firestore, Timestamp} from 'firebase-admin/firestore';
import {parseConfig} from '../../../shared/platform/config';
import {createLogger} from '../../../shared/platform/logger';
import {createRuntime, type Runtime} from '../../../shared/runtime';
import type {CronTask} from '../../../shared/cron/task';
import {
  describeWithFirestore,
  fcmEmulatorHost,
  resetFirestore,
  uniqueProjectId,
} from '../../support/emulators';

describeWithFirestore('scheduled tasks', () => {
  const projectId = uniqueProjectId();
  let db: Firestore;
  let now: Date;
  const ran: string[] = [];
  let gate: Promise<void> | null = null;
  let failNext = false;

  const everyFive: CronTask = {
    name: 'every-five',
    schedule: '*/5 * * * *',
    async run({dueAt, counts}) {
      ran.push(`every-five@${dueAt.toISOString()}`);
      counts.things = 3;
      if (gate) await gate;
      if (failNext) {
        failNext = false;
        throw new Error('boom');
      }
    },
  };
  const daily: CronTask = {
    name: 'daily',
    schedule: '17 3 * * *',
    async run({dueAt}) {
      ran.push(`daily@${dueAt.toISOString()}`);
    },
  };

  let runtime: Runtime;
  const at = (iso: string) => (now = new Date(iso));
  const invoke = (scheduleTime?: string) => runtime.cron.run(scheduleTime);

  beforeAll(() => {
    db = new Firestore({projectId});
    runtime = createRuntime(
      parseConfig({
        GOOGLE_CLOUD_PROJECT: projectId,
        FCM_EMULATOR_HOST: fcmEmulatorHost(),
        CRON_LEASE_TTL_MS: '60000',
      }),
      createLogger('ERROR', () => undefined),
      {clock: () => now, tasks: [everyFive, daily]},
    );
  });
  afterAll(async () => db.terminate());
  beforeEach(async () => {
    await resetFirestore(projectId);
    ran.length = 0;
    gate = null;
    failNext = false;
  });

  const runs = async () =>
    (await db.collection('cron_runs').orderBy('started_at').get()).docs.map(
      d => {
        const r = d.data();
        return {
          task: r.task,
          due_at: r.due_at.toDate().toISOString(),
          outcome: r.outcome,
          counts: r.counts,
          error: r.error,
        };
      },
    );

  it('runs each task for its latest due time once, and again only when a new due time arrives', async () => {
    at('2026-03-01T10:07:30Z');
    expect((await invoke()).reports).toEqual([
      {
        task: 'every-five',
        status: 'succeeded',
        dueAt: '2026-03-01T10:05:00.000Z',
      },
      {task: 'daily', status: 'succeeded', dueAt: '2026-03-01T03:17:00.000Z'},
    ]);
    at('2026-03-01T10:09:59Z');
    expect((await invoke()).reports.map(r => r.status)).toEqual([
      'done',
      'done',
    ]);
    at('2026-03-01T10:10:00Z');
    expect((await invoke()).reports.map(r => r.status)).toEqual([
      'succeeded',
      'done',
    ]);
    at('2026-03-02T03:17:00Z');
    expect((await invoke()).reports.map(r => r.status)).toEqual([
      'succeeded',
      'succeeded',
    ]);
    // Tasks of one invocation run in parallel: compare as sets.
    expect([...ran].sort()).toEqual([
      'daily@2026-03-01T03:17:00.000Z',
      'daily@2026-03-02T03:17:00.000Z',
      'every-five@2026-03-01T10:05:00.000Z',
      'every-five@2026-03-01T10:10:00.000Z',
      'every-five@2026-03-02T03:15:00.000Z',
    ]);
    const records = await runs();
    expect(records).toHaveLength(5);
    expect(records.find(r => r.task === 'every-five')).toEqual({
      task: 'every-five',
      due_at: '2026-03-01T10:05:00.000Z',
      outcome: 'succeeded',
      counts: {things: 3},
      error: null,
    });
    const state = (
      await db.collection('cron_tasks').doc('every-five').get()
    ).data()!;
    expect(state).toMatchObject({
      holder: null,
      lease_expires_at: null,
      last_due_at: Timestamp.fromDate(new Date('2026-03-02T03:15:00Z')),
    });
    expect(state.last_run).toMatchObject({
      outcome: 'succeeded',
      counts: {things: 3},
    });
  });

  it('a duplicate delivery (same X-CloudScheduler-ScheduleTime, a minute late) runs nothing again', async () => {
    at('2026-03-01T10:05:01Z');
    expect((await invoke('2026-03-01T10:05:00Z')).failed).toEqual([]);
    at('2026-03-01T10:06:30Z');
    expect(
      (await invoke('2026-03-01T10:05:00Z')).reports.map(r => r.status),
    ).toEqual(['done', 'done']);
    expect([...ran].sort()).toEqual([
      'daily@2026-03-01T03:17:00.000Z',
      'every-five@2026-03-01T10:05:00.000Z',
    ]);
    const records = await runs();
    expect(records.map(r => r.task).sort()).toEqual(['daily', 'every-five']);
    const record = (
      await db.collection('cron_runs').where('task', '==', 'every-five').get()
    ).docs[0]!.data();
    expect(record.schedule_time.toDate().toISOString()).toBe(
      '2026-03-01T10:05:00.000Z',
    );
  });

  it('two concurrent invocations: the task runs once, the other sees it busy, and neither overlaps it', async () => {
    at('2026-03-01T10:05:02Z');
    let open!: () => void;
    gate = new Promise(resolve => (open = resolve));
    const first = invoke('2026-03-01T10:05:00Z');
    // The first holds the lease once its task has started (and waits on the gate).
    while (!ran.includes('every-five@2026-03-01T10:05:00.000Z'))
      await new Promise(resolve => setTimeout(resolve, 20));
    const second = await invoke('2026-03-01T10:05:00Z');
    expect(second.reports.find(r => r.task === 'every-five')!.status).toBe(
      'busy',
    );
    open();
    expect(
      (await first).reports.find(r => r.task === 'every-five')!.status,
    ).toBe('succeeded');
    expect(ran.filter(r => r.startsWith('every-five'))).toEqual([
      'every-five@2026-03-01T10:05:00.000Z',
    ]);
  });

  it('two invocations racing from the start: each task runs exactly once', async () => {
    at('2026-03-01T10:05:02Z');
    const summaries = await Promise.all([
      invoke('2026-03-01T10:05:00Z'),
      invoke('2026-03-01T10:05:00Z'),
    ]);
    expect(ran.sort()).toEqual([
      'daily@2026-03-01T03:17:00.000Z',
      'every-five@2026-03-01T10:05:00.000Z',
    ]);
    expect(summaries.flatMap(s => s.failed)).toEqual([]);
    expect((await runs()).map(r => r.outcome)).toEqual([
      'succeeded',
      'succeeded',
    ]);
  });

  it('a failed run is recorded, reported, and run again by the retry', async () => {
    at('2026-03-01T10:05:02Z');
    failNext = true;
    const failed = await invoke('2026-03-01T10:05:00Z');
    expect(failed.failed).toEqual(['every-five']);
    expect(failed.reports.find(r => r.task === 'daily')!.status).toBe(
      'succeeded',
    );
    at('2026-03-01T10:05:12Z');
    expect((await invoke('2026-03-01T10:05:00Z')).failed).toEqual([]);
    expect(ran.filter(r => r.startsWith('every-five'))).toHaveLength(2);
    const outcomes = (await runs())
      .filter(r => r.task === 'every-five')
      .map(r => [r.outcome, r.error, r.counts]);
    expect(outcomes).toEqual([
      ['failed', 'boom', {things: 3}],
      ['succeeded', null, {things: 3}],
    ]);
  });

  it('a crashed run blocks its task only until its lease expires, then is taken over', async () => {
    at('2026-03-01T10:05:02Z');
    await db
      .collection('cron_runs')
      .doc('crashed')
      .set({task: 'every-five', outcome: 'running'});
    await db
      .collection('cron_tasks')
      .doc('every-five')
      .set({
        holder: 'a-crashed-instance',
        lease_expires_at: Timestamp.fromDate(new Date('2026-03-01T10:05:30Z')),
        run_id: 'crashed',
      });
    expect(
      (await invoke()).reports.find(r => r.task === 'every-five')!.status,
    ).toBe('busy');
    at('2026-03-01T10:05:31Z');
    expect(
      (await invoke()).reports.find(r => r.task === 'every-five')!.status,
    ).toBe('succeeded');
    expect(
      (await db.collection('cron_runs').doc('crashed').get()).get('outcome'),
    ).toBe('abandoned');
  });

  it('answers 500 naming the failed tasks through the endpoint', async () => {
    const {makeCron} = await import('../../../functions/cron');
    const handler = makeCron(() => ({
      ...runtime,
      cronAuth: async () => 'test',
    }));
    at('2026-03-01T10:05:02Z');
    failNext = true;
    const reply: {status?: number; body?: unknown} = {};
    const res = {
      statusCode: 200,
      headersSent: false,
      status(code: number) {
        reply.status = code;
        this.statusCode = code;
        return this;
      },
      set() {
        return this;
      },
      json(body: unknown) {
        reply.body = body;
        return this;
      },
      end() {
        return this;
      },
    };
    const req = {
      path: '/api/cron',
      method: 'GET',
      header: () => undefined,
      headers: {},
    };
    await handler(req as never, res as never);
    expect(reply).toEqual({
      status: 500,
      body: {message: 'Some scheduled tasks failed.', failed: ['every-five']},
    });
  });
});
