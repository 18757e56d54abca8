import { Logger } from '@nestjs/common';
import type { AppConfig } from '@app/common';
import type { DataSource } from 'typeorm';
import type { QueueDriver } from '../queue/queue-driver';
import type { Sweeper } from '../sweeper/sweeper';
import { DISPATCHED_MARKS_LOST, OutboxRelay } from './outbox.relay';

describe('OutboxRelay dispatched marks', () => {
  afterEach(() => jest.restoreAllMocks());

  function relayWith(query: (sql: string, params: unknown[]) => Promise<unknown>) {
    const dataSource = { query: jest.fn(query) } as unknown as DataSource;
    const queue = { enqueue: jest.fn(async () => undefined) } as unknown as QueueDriver;
    const relay = new OutboxRelay(dataSource, queue, {} as Sweeper, {} as AppConfig);
    return { relay, query: dataSource.query as jest.Mock };
  }

  const event = (n: number) => ({
    id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    type: 'ContractOpened',
  });

  it('marks the events of dispatches close in time with one UPDATE', async () => {
    const { relay, query } = relayWith(async () => []);
    await Promise.all([1, 2, 3].map((n) => relay.dispatch([event(n)])));
    await relay.onModuleDestroy();
    expect(query).toHaveBeenCalledTimes(1);
    expect(query.mock.calls[0][1]).toEqual([[event(1).id, event(2).id, event(3).id]]);
  });

  it('an UPDATE that fails is one warning, not one per dispatch it carried; nothing rejects', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { relay } = relayWith(async () => {
      throw new Error('connection terminated');
    });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      for (let n = 1; n <= 40; n += 1) await relay.dispatch([event(n)]);
      await relay.onModuleDestroy();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(warn.mock.calls).toEqual([[`${DISPATCHED_MARKS_LOST}: connection terminated`]]);
    expect(unhandled).not.toHaveBeenCalled();
  });
});
