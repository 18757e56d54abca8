/** The `whsec_` secret every webhook is signed with (configured, or shared through the data directory). */
export const SANDBOX_WEBHOOK_SECRET = Symbol('SANDBOX_WEBHOOK_SECRET');
