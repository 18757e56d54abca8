/** What a view shows instead of a password. */
export const REDACTED = '***';

/**
 * The URL with the password of its user information replaced by `***`, for logs and views: an endpoint registered as
 * `https://erp:secret@host/hooks` (Basic authentication) keeps working, and the secret stays out of what is shown.
 * Anything that does not parse as a URL is returned as it is.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password === '') return url;
  parsed.password = REDACTED;
  return parsed.toString();
}
