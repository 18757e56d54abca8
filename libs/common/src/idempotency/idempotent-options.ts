export interface IdempotentOptions {
  /**
   * For an answer that must not be stored (it carries a secret shown once): the error a retry gets instead, made
   * from the answer. The retry gets its problem document, with `Idempotent-Replayed: true`.
   */
  replayAs?: (answer: unknown) => Error;
}

export const IDEMPOTENT_OPTIONS = 'signbridge:idempotent-options';
