#!/usr/bin/env node
// Sends one signed `sandbox` webhook to a running SignBridge, as the sandbox platform would.
// Usage: npm run webhook:send -- <type> <envelope_id> [signer_email] [signature_level]
//   e.g. npm run webhook:send -- signer.signed env_1 ana@acme.example advanced
// The secret comes from SANDBOX_WEBHOOK_SECRETS (first entry) or .data/sandbox-webhook-secret;
// the target from SIGNBRIDGE_URL (default http://127.0.0.1:3000).
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [type, envelopeId, email, level] = process.argv.slice(2);
if (!type || !envelopeId) {
  console.error('usage: npm run webhook:send -- <type> <envelope_id> [signer_email] [signature_level]');
  process.exit(2);
}
const secret = (
  process.env.SANDBOX_WEBHOOK_SECRETS?.split(',')[0] ?? readFileSync('.data/sandbox-webhook-secret', 'utf8')
).trim();
const url = process.env.SIGNBRIDGE_URL ?? 'http://127.0.0.1:3000';

const data = { envelope_id: envelopeId };
if (email) {
  data.signer = {
    email,
    name: email.split('@')[0],
    ip: '203.0.113.7',
    user_agent: 'send-webhook.mjs',
    auth_method: 'email_otp',
  };
  if (level) data.signer.signature_level = level;
}
const body = JSON.stringify({ type, timestamp: new Date().toISOString(), data });
const id = `msg_${randomBytes(12).toString('hex')}`;
const timestamp = Math.floor(Date.now() / 1000);
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');

const response = await fetch(`${url}/webhooks/sandbox`, {
  method: 'POST',
  headers: {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  },
  body,
});
console.log(response.status, await response.text());
process.exit(response.ok ? 0 : 1);
