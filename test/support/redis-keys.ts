import { Redis } from 'ioredis';
import { TEST_REDIS_URL } from './test-env';

/**
 * Deletes the test Redis's keys that match `pattern` (a queue prefix and `:*`, say), so that test runs do not pile up
 * in the machine's Redis.
 */
export async function deleteRedisKeys(pattern: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    for await (const batch of redis.scanStream({ match: pattern, count: 1000 })) {
      const keys = batch as string[];
      if (keys.length > 0) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
