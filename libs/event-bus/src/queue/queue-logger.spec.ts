import { QueueClosedError } from './queue-driver';
import { ThrottledLog } from './queue-logger';

describe('ThrottledLog', () => {
  function setup(level?: 'error' | 'warn') {
    let now = 0;
    const logger = {
      log: jest.fn<void, [string]>(),
      warn: jest.fn<void, [string]>(),
      error: jest.fn<void, [string]>(),
    };
    const errors = new ThrottledLog(logger, { now: () => now, level });
    return { logger, errors, advance: (ms: number) => (now += ms) };
  }

  it('logs one line per source per window and counts what it left out', () => {
    const { logger, errors, advance } = setup();
    for (let i = 0; i < 500; i++) {
      errors.report('Redis (producer)', new Error('connect ECONNREFUSED'));
      errors.report('BullMQ worker inbox-process', new Error('connect ECONNREFUSED'));
      advance(10);
    }
    expect(logger.error.mock.calls.map(([line]) => line)).toEqual([
      'Redis (producer): connect ECONNREFUSED',
      'BullMQ worker inbox-process: connect ECONNREFUSED',
    ]);
    advance(5_000); // 10 s after the first line
    errors.report('Redis (producer)', new Error('connect ECONNREFUSED'));
    expect(logger.error).toHaveBeenLastCalledWith('Redis (producer): connect ECONNREFUSED (499 similar suppressed)');
  });

  it('logs at the level it was given', () => {
    const { logger, errors: warnings } = setup('warn');
    warnings.report('outbox events left for the sweeper', new Error('Redis is not reachable'));
    warnings.report('outbox events left for the sweeper', new Error('Redis is not reachable'));
    expect(logger.warn.mock.calls).toEqual([['outbox events left for the sweeper: Redis is not reachable']]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('a queue closed for a shutdown is an ordinary line, not a warning: the sweeper dispatches after the next start', () => {
    const { logger, errors: warnings } = setup('warn');
    warnings.report('dispatch of outbox events deferred to the sweeper', new QueueClosedError('In-process queue'));
    expect(logger.log.mock.calls).toEqual([
      [
        'dispatch of outbox events deferred to the sweeper: In-process queue is closed (shutting down; the sweeper dispatches after the next start)',
      ],
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('says once that a failing source recovered, and nothing for one that never failed', () => {
    const { logger, errors } = setup();
    errors.recovered('Redis (workers)', 'connected again');
    expect(logger.log).not.toHaveBeenCalled();
    errors.report('Redis (workers)', 'down');
    errors.report('Redis (workers)', 'down');
    errors.recovered('Redis (workers)', 'connected again');
    errors.recovered('Redis (workers)', 'connected again');
    expect(logger.log.mock.calls).toEqual([['Redis (workers): connected again (1 more error(s) not logged)']]);
  });
});
