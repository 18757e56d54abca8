import { InitialSchema1764200000000 } from './1764200000000-initial-schema';

/** In order. A migration, once shipped, is never edited: add a new one. */
export const MIGRATIONS = [InitialSchema1764200000000];
