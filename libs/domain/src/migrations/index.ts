import { InitialSchema1764200000000 } from './1764200000000-initial-schema';
import { IdempotencyKeys1764300000000 } from './1764300000000-idempotency-keys';

/** In order. A migration, once shipped, is never edited: add a new one. */
export const MIGRATIONS = [InitialSchema1764200000000, IdempotencyKeys1764300000000];
