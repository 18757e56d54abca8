import type { JobContext, JobHandlers, JobOutcome, JobSpec } from '../jobs';
import { InProcessQueueDriver, type InProcessQueueDriverOptions } from './in-process.queue-driver';
import { QueueClosedError } from './queue-driver';

function inbox(id: string): JobSpec {
  return { name: 'inbox.process', id, data: { inboundEventId: id } };
}

function outbox(id: string): JobSpec {
  return { name: 'outbox.deliver', id, data: { eventId: id, subscriber: 'archive' } };
}

function fakeLogger() {
  return { log: jest.fn<void, [string]>(), warn: jest.fn<void, [string]>(), error: jest.fn<void, [string]>() };
}

function driver(options: Partial<InProcessQueueDriverOptions> = {}) {
  const logger = fakeLogger();
  const queue = new InProcessQueueDriver({ concurrency: 1, attempts: 3, backoffMs: 5, logger, ...options });
  return { queue, logger };
}

/** A promise the test resolves when it chooses, to hold a handler "running". */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function handlers(run: (id: string, context: JobContext) => Promise<JobOutcome>): JobHandlers {
  return {
    'inbox.process': (data, context) => run(data.inboundEventId, context),
    'inbox.process-batch': (data, context) => run(data.inboundEventIds.join(','), context),
    'outbox.deliver': (data, context) => run(data.eventId, context),
    'provisioning.run': (data, context) => run(data.runId, context),
    'erp-notifications.deliver': (data, context) => run(data.deliveryId, context),
    'contracts.reconcile': (data, context) => run(data.contractId, context),
  };
}

describe('InProcessQueueDriver', () => {
  it('passes the data and a context with the job id and attempt 1', async () => {
    const { queue } = driver();
    const seen: Array<[string, JobContext]> = [];
    await queue.startWorkers(handlers(async (id, context) => (seen.push([id, context]), 'done')));
    await queue.enqueue([inbox('in-1'), outbox('evt-1')]);
    await queue.idle();
    expect(seen).toEqual(
      expect.arrayContaining([
        ['in-1', { jobId: 'in-1', attempt: 1 }],
        ['evt-1', { jobId: 'evt-1', attempt: 1 }],
      ]),
    );
    expect(seen).toHaveLength(2);
  });

  it('ignores an id that is already waiting or running', async () => {
    const { queue } = driver({ concurrency: 1 });
    const first = gate();
    const calls: string[] = [];
    await queue.startWorkers(
      handlers(async (id) => {
        calls.push(id);
        if (id === 'a') await first.opened;
        return 'done';
      }),
    );
    await queue.enqueue([inbox('a')]);
    await waitFor(() => calls.length === 1);
    await queue.enqueue([inbox('a'), inbox('b')]); // 'a' is running, 'b' now waits behind it
    await queue.enqueue([inbox('b'), inbox('b')]);
    first.open();
    await queue.idle();
    expect(calls).toEqual(['a', 'b']);
  });

  it('holds a job with delayMs back that long, deduping its id meanwhile', async () => {
    const { queue } = driver();
    const ranAt: number[] = [];
    await queue.startWorkers(handlers(async () => (ranAt.push(Date.now()), 'done')));
    const enqueuedAt = Date.now();
    await queue.enqueue([{ ...inbox('later'), delayMs: 150 }, inbox('now')]);
    await queue.enqueue([inbox('later')]); // delayed, so already known: not run at once
    await waitFor(() => ranAt.length === 1);
    expect(ranAt[0] - enqueuedAt).toBeLessThan(100);
    await queue.idle();
    expect(ranAt).toHaveLength(2);
    expect(ranAt[1] - enqueuedAt).toBeGreaterThanOrEqual(145);
  });

  it('close drops a delayed job that has not run yet', async () => {
    const { queue } = driver();
    let runs = 0;
    await queue.startWorkers(handlers(async () => (runs++, 'done')));
    await queue.enqueue([{ ...inbox('never'), delayMs: 50 }]);
    await queue.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(0);
  });

  it('dedupes per job name, as BullMQ does per queue', async () => {
    const { queue } = driver();
    const calls: string[] = [];
    await queue.enqueue([inbox('same'), outbox('same')]);
    await queue.startWorkers(handlers(async (id, { jobId }) => (calls.push(`${id}/${jobId}`), 'done')));
    await queue.idle();
    expect(calls.sort()).toEqual(['same/same', 'same/same']);
  });

  it('runs a finished id again when it is enqueued again', async () => {
    const { queue } = driver();
    let runs = 0;
    await queue.startWorkers(handlers(async () => (runs++, 'skipped')));
    await queue.enqueue([inbox('again')]);
    await queue.idle();
    await queue.enqueue([inbox('again')]);
    await queue.idle();
    expect(runs).toBe(2);
  });

  it('runs at most `concurrency` jobs of one name at once, each name on its own', async () => {
    const { queue } = driver({ concurrency: 3 });
    const current = { 'inbox.process': 0, 'outbox.deliver': 0 };
    const max = { 'inbox.process': 0, 'outbox.deliver': 0 };
    const track = async (name: keyof typeof current) => {
      current[name] += 1;
      max[name] = Math.max(max[name], current[name]);
      await new Promise((resolve) => setTimeout(resolve, 2));
      current[name] -= 1;
      return 'done' as const;
    };
    let done = 0;
    await queue.startWorkers({
      'inbox.process': async () => (done++, track('inbox.process')),
      'inbox.process-batch': async () => 'done' as const,
      'provisioning.run': async () => 'done' as const,
      'erp-notifications.deliver': async () => 'done' as const,
      'contracts.reconcile': async () => 'done' as const,
      'outbox.deliver': async () => (done++, track('outbox.deliver')),
    });
    const ids = Array.from({ length: 10 }, (_, i) => `j${i}`);
    await queue.enqueue([...ids.map(inbox), ...ids.map(outbox)]);
    await queue.idle();
    expect(done).toBe(20);
    expect(max).toEqual({ 'inbox.process': 3, 'outbox.deliver': 3 });
  });

  it('retries a failing handler with exponential backoff until it succeeds', async () => {
    const { queue, logger } = driver({ attempts: 3, backoffMs: 5 });
    const runs: Array<{ attempt: number; at: number }> = [];
    await queue.startWorkers(
      handlers(async (_, { attempt }) => {
        runs.push({ attempt, at: performance.now() });
        if (attempt < 3) throw new Error(`flaky ${attempt}`);
        return 'done';
      }),
    );
    await queue.enqueue([inbox('flaky')]);
    await queue.idle();
    expect(runs.map((run) => run.attempt)).toEqual([1, 2, 3]);
    // 5 ms then 10 ms, less up to 20 % jitter; 1 ms of slack for timer rounding.
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(3);
    expect(runs[2].at - runs[1].at).toBeGreaterThanOrEqual(7);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('drops a job after the last attempt with one error naming job, id and error', async () => {
    const { queue, logger } = driver({ attempts: 2, backoffMs: 1 });
    let runs = 0;
    await queue.startWorkers(
      handlers(async () => {
        runs++;
        throw new Error('provider said no');
      }),
    );
    await queue.enqueue([outbox('evt-9')]);
    await queue.idle();
    expect(runs).toBe(2);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0][0]).toEqual(expect.stringContaining('outbox.deliver'));
    expect(logger.error.mock.calls[0][0]).toEqual(expect.stringContaining('evt-9'));
    expect(logger.error.mock.calls[0][0]).toEqual(expect.stringContaining('provider said no'));
    await queue.enqueue([outbox('evt-9')]); // dropped means forgotten: a re-dispatch runs it again
    await queue.idle();
    expect(runs).toBe(4);
  });

  it('keeps jobs enqueued before the workers start and runs them once they do', async () => {
    const { queue } = driver();
    const calls: string[] = [];
    await queue.enqueue([inbox('early-1'), inbox('early-2')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
    await queue.startWorkers(handlers(async (id) => (calls.push(id), 'done')));
    await queue.idle();
    expect(calls).toEqual(['early-1', 'early-2']);
  });

  it('close waits for running handlers, drops waiting jobs and pending retries, and refuses new jobs', async () => {
    const { queue } = driver({ concurrency: 1, attempts: 3, backoffMs: 60_000 });
    const running = gate();
    const events: string[] = [];
    await queue.startWorkers({
      'inbox.process-batch': async () => 'done' as const,
      'provisioning.run': async () => 'done' as const,
      'erp-notifications.deliver': async () => 'done' as const,
      'contracts.reconcile': async () => 'done' as const,
      'inbox.process': async ({ inboundEventId }) => {
        events.push(`start ${inboundEventId}`);
        await running.opened;
        events.push(`end ${inboundEventId}`);
        return 'done';
      },
      'outbox.deliver': async () => {
        events.push('outbox attempt');
        throw new Error('retry me later');
      },
    });
    await queue.enqueue([inbox('slow'), inbox('queued'), outbox('retrying')]);
    await waitFor(() => events.includes('start slow') && events.includes('outbox attempt'));
    const closed = queue.close().then(() => events.push('closed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).not.toContain('closed');
    running.open();
    await closed;
    expect(events).toEqual(['start slow', 'outbox attempt', 'end slow', 'closed']);
    await queue.idle(); // the pending retry was cancelled, so nothing is left
    await expect(queue.enqueue([inbox('late')])).rejects.toBeInstanceOf(QueueClosedError);
  });

  it('close gives up on a handler that never returns after closeTimeoutMs', async () => {
    const { queue, logger } = driver({ closeTimeoutMs: 20 });
    await queue.startWorkers(handlers(() => new Promise<JobOutcome>(() => undefined)));
    await queue.enqueue([inbox('stuck')]);
    await queue.close();
    expect(logger.warn).toHaveBeenCalledWith(expect.stringContaining('1 job(s) still running'));
  });

  it('reports itself up', async () => {
    await expect(driver().queue.health()).resolves.toEqual({ up: true, driver: 'in-process' });
  });
});
