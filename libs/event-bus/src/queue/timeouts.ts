/** Rejects with `${what} timed out after ${ms} ms` unless `promise` settles first. The timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** True if `promise` settled (either way) within `ms`; never rejects, so shutdown code can always go on. */
export function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    const settled = () => {
      clearTimeout(timer);
      resolve(true);
    };
    promise.then(settled, settled);
  });
}

/** Exponential backoff, reduced by up to `jitter` (0..1) at random: the same formula BullMQ applies. */
export function backoffDelay(baseMs: number, attempt: number, jitter: number, random: () => number = Math.random) {
  const max = Math.round(baseMs * 2 ** (attempt - 1));
  return Math.floor(max * (1 - jitter) + random() * max * jitter);
}
