import { JOB_NAMES, type JobHandler, type JobName, type JobOutcome } from '../jobs';
import { SUBSCRIBER_NAMES } from '../subscriptions';
import { JobRegistry, type SubscriberHandler } from './job-registry';

// Written against the typed lists rather than today's names, so a job or subscriber added later is covered.
const subscriber: SubscriberHandler = async () => ({ outcome: 'done', emitted: [] });

/** A new function per call, so the test can tell which handler `handlers()` returns for which name. */
function jobHandler(): JobHandler {
  return async (): Promise<JobOutcome> => 'done';
}

function registryWith(jobs: readonly JobName[], subscribers: readonly (typeof SUBSCRIBER_NAMES)[number][]) {
  const registry = new JobRegistry();
  const registered = new Map<JobName, JobHandler>();
  for (const name of jobs) {
    const handler = jobHandler();
    registered.set(name, handler);
    registry.registerJob(name, handler);
  }
  for (const name of subscribers) registry.registerSubscriber(name, subscriber);
  return { registry, registered };
}

function handlersError(registry: JobRegistry): string {
  try {
    registry.handlers();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('handlers() did not throw');
}

describe('JobRegistry', () => {
  it('has jobs and subscribers to check (guards the loops below against an empty list)', () => {
    expect(JOB_NAMES).toContain('inbox.process');
    expect(JOB_NAMES).toContain('outbox.deliver');
    expect(SUBSCRIBER_NAMES).toContain('contracts.activate-customer');
  });

  it.each(JOB_NAMES)('refuses a second handler for job %s, naming it', (name) => {
    const { registry } = registryWith([name], []);
    expect(() => registry.registerJob(name, jobHandler())).toThrow(`Job "${name}" has two handlers`);
  });

  it.each(SUBSCRIBER_NAMES)('refuses a second handler for subscriber %s, naming it', (name) => {
    const { registry } = registryWith([], [name]);
    expect(() => registry.registerSubscriber(name, subscriber)).toThrow(`Subscriber "${name}" has two handlers`);
  });

  it('names every missing job and subscriber when nothing is registered', () => {
    const message = handlersError(new JobRegistry());
    expect(message).toMatch(/^No handler for /);
    for (const job of JOB_NAMES) expect(message).toContain(`job "${job}"`);
    for (const name of SUBSCRIBER_NAMES) expect(message).toContain(`subscriber "${name}"`);
  });

  it('names only what is missing', () => {
    const [missingJob, ...jobs] = JOB_NAMES;
    const [missingSubscriber, ...subscribers] = SUBSCRIBER_NAMES;
    const message = handlersError(registryWith(jobs, subscribers).registry);
    expect(message).toBe(`No handler for job "${missingJob}", subscriber "${missingSubscriber}"`);
  });

  it('fails for a missing subscriber even when every job has a handler', () => {
    const [missing, ...subscribers] = SUBSCRIBER_NAMES;
    expect(handlersError(registryWith(JOB_NAMES, subscribers).registry)).toBe(`No handler for subscriber "${missing}"`);
  });

  it('returns each job its own handler once everything is registered', async () => {
    const { registry, registered } = registryWith(JOB_NAMES, SUBSCRIBER_NAMES);
    const handlers = registry.handlers();
    expect(Object.keys(handlers).sort()).toEqual([...JOB_NAMES].sort());
    for (const name of JOB_NAMES) expect(handlers[name]).toBe(registered.get(name));
    expect(new Set(registered.values()).size).toBe(JOB_NAMES.length);
    await expect(handlers['inbox.process']({ inboundEventId: 'x' }, { jobId: 'x', attempt: 1 })).resolves.toBe('done');
  });

  it('looks up a subscriber handler, and throws for one never registered', () => {
    const { registry } = registryWith(JOB_NAMES, SUBSCRIBER_NAMES);
    for (const name of SUBSCRIBER_NAMES) expect(registry.subscriber(name)).toBe(subscriber);
    const [name] = SUBSCRIBER_NAMES;
    expect(() => new JobRegistry().subscriber(name)).toThrow(`Subscriber "${name}" has no handler`);
  });
});
