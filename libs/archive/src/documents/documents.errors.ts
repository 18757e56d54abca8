import { AppError, registerErrorStatuses } from '@app/common';

registerErrorStatuses({
  'DOCUMENT.NOT_FOUND': 404,
  'DOCUMENT.HASH_MISMATCH': 422,
  // Also registered by the contracts module; this module answers it for /contracts/:id/documents on its own.
  'CONTRACT.NOT_FOUND': 404,
});

/**
 * Errors of the document archive. Codes: DOCUMENT.NOT_FOUND, DOCUMENT.HASH_MISMATCH (the bytes are not the
 * ones the platform stated), DOCUMENT.INVALID (a malformed record), DOCUMENT.INVALID_KEY (not a
 * content-addressed key), DOCUMENT.CONTENT_MISSING (recorded, but the store has no such object),
 * DOCUMENT.CONTENT_CORRUPT (the stored bytes no longer hash to the recorded SHA-256). The last four are 500s.
 */
export class DocumentError extends AppError {}
