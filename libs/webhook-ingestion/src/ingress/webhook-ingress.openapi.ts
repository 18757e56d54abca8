import type { OpenAPIObject } from '@nestjs/swagger';

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** The ingress route is registered on Fastify directly, so its documentation is written out here. */
export const WEBHOOK_OPENAPI_PATHS: OpenAPIObject['paths'] = {
  '/webhooks/{provider}': {
    post: {
      tags: ['webhooks'],
      summary: 'Receive a signature platform webhook',
      description:
        'Verifies the signature over the raw bytes, stores the event, then answers. A 200 means the event is ' +
        'durably stored (a repeat of a stored event also gets 200 and changes nothing); processing happens ' +
        'afterwards. The `sandbox` provider uses Standard Webhooks: headers webhook-id, webhook-timestamp ' +
        '(Unix seconds, at most WEBHOOK_TOLERANCE_SECONDS off) and webhook-signature ("v1,<base64 HMAC-SHA256 ' +
        'of {id}.{timestamp}.{body}>", several space-separated during a secret rotation).',
      parameters: [
        { name: 'provider', in: 'path', required: true, schema: { type: 'string', enum: ['sandbox'] } },
        { name: 'webhook-id', in: 'header', required: true, schema: { type: 'string' }, example: 'msg_2Lz8sQf1' },
        { name: 'webhook-timestamp', in: 'header', required: true, schema: { type: 'string' }, example: '1795737600' },
        {
          name: 'webhook-signature',
          in: 'header',
          required: true,
          schema: { type: 'string' },
          example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
        },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            example: {
              type: 'signer.signed',
              timestamp: '2026-11-26T10:15:00Z',
              data: {
                envelope_id: 'env_7f3a9c',
                signer: {
                  email: 'ana@acme.example',
                  name: 'Ana García',
                  ip: '203.0.113.7',
                  user_agent: 'Mozilla/5.0',
                  auth_method: 'email_otp',
                  signature_level: 'advanced',
                },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'Stored (or already stored)',
          content: {
            'application/json': {
              example: { received: true, duplicate: false, id: '0b8e5f7e-4c1d-4d6b-9d0e-2f4f3c9a1b2c' },
            },
          },
        },
        '400': problemResponse('Authentic but malformed body (code WEBHOOK.MALFORMED, `field` names what is wrong)'),
        '401': problemResponse('Bad or missing signature, or timestamp out of tolerance'),
        '404': problemResponse('Unknown provider (code WEBHOOK.UNKNOWN_PROVIDER)'),
        '413': problemResponse('Body over WEBHOOK_MAX_BODY_BYTES'),
        '503': problemResponse('The database is unreachable; nothing was stored, retry (Retry-After)'),
      },
    },
  },
};
