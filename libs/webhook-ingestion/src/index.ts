export * from './webhook-ingestion.module';
export * from './inbox/inbox.writer';
export * from './inbox/inbox.processor';
export * from './ingress/webhook-ingress.openapi';
