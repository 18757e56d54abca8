export type RunKind = 'provision' | 'reverse';
export type RunStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface ProvisioningRunRow {
  id: string;
  contract_id: string;
  customer_id: string;
  action: string;
  kind: RunKind;
  params: Record<string, unknown>;
  status: RunStatus;
  attempts: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  response: unknown;
  result_ref: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
}
