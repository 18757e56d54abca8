import { getMaxListeners } from 'node:events';
import { sharedAbortController, SHUTDOWN_SIGNAL_MAX_LISTENERS } from './webhook.dispatcher';

describe('sharedAbortController', () => {
  it("lifts Node's limit of 10 listeners: every attempt in flight listens, 64 at once in the benchmark", () => {
    expect(getMaxListeners(new AbortController().signal)).toBe(10);
    expect(getMaxListeners(sharedAbortController().signal)).toBe(SHUTDOWN_SIGNAL_MAX_LISTENERS);
  });
});
