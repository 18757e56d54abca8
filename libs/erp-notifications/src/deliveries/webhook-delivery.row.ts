/** A row of `webhook_deliveries`, with its event's type (`outbox.type`). */
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
