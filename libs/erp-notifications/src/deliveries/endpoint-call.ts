import { headerValue, httpCall, parseRetryAfter } from '@app/common';
import { errorText, toDomainEvent, type OutboxRow } from '@app/event-bus';
import { buildWebhookRequest } from '../webhook-request';

/** A claimed call: the delivery as the claim left it, its endpoint, and the event (the outbox row's columns). */
export type Claimed = OutboxRow & {
  delivery_id: string;
  endpoint_id: string;
  attempts: number;
  url: string;
  endpoint_status: 'enabled' | 'disabled';
  secret: string;
  /** Set while a rotation's overlap lasts. */
  previous_secret: string | null;
  /** This call probes an endpoint whose circuit was open: how it ends decides whether the circuit closes. */
  probe: boolean;
  /** The endpoint's limit on calls at once, if it has one: the end of this call wakes a held delivery. */
  max_in_flight: number | null;
  /** The endpoint's limit on calls per second, if it has one: a probe, which goes past it, still counts as a call. */
  max_per_second: number | null;
};

/** What the endpoint answered; `status` 0: no answer (refused, reset, timed out). */
export interface Answer {
  status: number;
  /** The first bytes of the body, as text, for staff to read. */
  text: string | null;
  retryAfterMs?: number;
  error?: string;
}

/** An endpoint's answer is kept for staff to read, this much of it. */
const KEPT_ANSWER_BYTES = 2048;

/** The signed POST; never throws: no answer is status 0. A redirect is not followed (its 3xx is retried). */
export async function callEndpoint(claimed: Claimed, timeoutMs: number): Promise<Answer> {
  const secrets = claimed.previous_secret ? [claimed.secret, claimed.previous_secret] : [claimed.secret];
  const { body, headers } = buildWebhookRequest(toDomainEvent(claimed), {
    deliveryId: claimed.delivery_id,
    secrets,
    attempt: claimed.attempts,
    nowSeconds: Math.floor(Date.now() / 1000),
  });
  try {
    const response = await httpCall({
      method: 'POST',
      url: claimed.url,
      headers,
      body,
      timeoutMs,
      maxBodyBytes: KEPT_ANSWER_BYTES,
      overflow: 'truncate',
    });
    const text = response.body.toString('utf8');
    return {
      status: response.status,
      text: text === '' ? null : text,
      retryAfterMs: parseRetryAfter(headerValue(response.headers, 'retry-after'), Date.now()),
    };
  } catch (error) {
    return { status: 0, text: null, error: errorText(error) };
  }
}

export function statusOf(answer: Answer): number | null {
  return answer.status === 0 ? null : answer.status;
}

export function describeAnswer(answer: Answer): string {
  return answer.status === 0 ? (answer.error ?? 'no answer') : `HTTP ${answer.status}`;
}
