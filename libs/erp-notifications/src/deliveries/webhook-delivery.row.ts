/** A row of `webhook_deliveries`. */
export interface WebhookDeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: 'pending' | 'running' | 'delivered' | 'dead';
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  last_response: string | null;
  delivered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Job id of the call due at `due`: a double dispatch of one call runs once; each new call is a new job. */
export function deliveryJobId(deliveryId: string, due: Date | null, suffix?: string): string {
  return `${deliveryId}.${due ? due.getTime() : 0}${suffix ? `.${suffix}` : ''}`;
}
