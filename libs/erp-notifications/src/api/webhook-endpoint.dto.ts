import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateIf,
} from 'class-validator';
import { PageOf } from '@app/common';
import { SUBSCRIBABLE_EVENT_TYPES } from '../webhook-request';

const URL_RULES = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };
const URL_DESCRIPTION =
  'Where each event is POSTed (http or https). Redirects are not followed: a 3xx counts as a failed call';
const TYPES_DESCRIPTION =
  'Domain event types to receive, or `["*"]` for all of them (types added in later versions included)';
const MAX_IN_FLIGHT_DESCRIPTION =
  'At most this many calls to the endpoint at once, however many workers run (1 to 1000); deliveries beyond wait, ' +
  'their attempts unchanged. Unset or null: no limit';
const MAX_PER_SECOND_DESCRIPTION =
  'At most this many calls to the endpoint per second, however many workers run (1 to 1000): calls start at ' +
  'least 1/maxPerSecond s apart, and deliveries beyond wait for their turn, their attempts unchanged. ' +
  'Unset or null: no limit';

/** An endpoint's optional limit from 1 to 1000 (`maxInFlight`, `maxPerSecond`); on a change, null removes it. */
function EndpointLimit(example: number, description: string, removable: boolean): PropertyDecorator {
  const range = { example, minimum: 1, maximum: 1000 };
  return applyDecorators(
    removable
      ? ApiPropertyOptional({
          ...range,
          nullable: true,
          type: Number,
          description: `${description}; null removes the limit`,
        })
      : ApiPropertyOptional({ ...range, description }),
    ...(removable ? [ValidateIf((_, value) => value !== null)] : []),
    IsOptional(),
    IsInt(),
    Min(1),
    Max(1000),
  );
}

export class CreateWebhookEndpointDto {
  @ApiProperty({ example: 'https://erp.example.com/hooks/signbridge', description: URL_DESCRIPTION })
  @IsUrl(URL_RULES)
  @MaxLength(2048)
  url!: string;

  @ApiProperty({
    enum: SUBSCRIBABLE_EVENT_TYPES,
    isArray: true,
    example: ['ContractActivated', 'InvoiceIssued', 'ServiceProvisioned'],
    description: TYPES_DESCRIPTION,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true })
  eventTypes!: string[];

  @ApiPropertyOptional({ example: 'SAP connector, production' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  description?: string;

  @EndpointLimit(4, MAX_IN_FLIGHT_DESCRIPTION, false)
  maxInFlight?: number;

  @EndpointLimit(20, MAX_PER_SECOND_DESCRIPTION, false)
  maxPerSecond?: number;
}

export class UpdateWebhookEndpointDto {
  @ApiPropertyOptional({ example: 'https://erp.example.com/hooks/signbridge', description: URL_DESCRIPTION })
  @IsOptional()
  @IsUrl(URL_RULES)
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true, description: TYPES_DESCRIPTION })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SUBSCRIBABLE_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(SUBSCRIBABLE_EVENT_TYPES, { each: true })
  eventTypes?: string[];

  @ApiPropertyOptional({ example: 'SAP connector, production' })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  description?: string;

  @ApiPropertyOptional({
    description:
      'false: no event is fanned out to it any more, and its waiting deliveries end `dead` (replayable once enabled ' +
      'again). true: enabled again, from the events that happen from now on',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @EndpointLimit(4, MAX_IN_FLIGHT_DESCRIPTION, true)
  maxInFlight?: number | null;

  @EndpointLimit(20, MAX_PER_SECOND_DESCRIPTION, true)
  maxPerSecond?: number | null;
}

export class RotateWebhookSecretDto {
  @ApiPropertyOptional({
    minimum: 0,
    maximum: 168,
    default: 24,
    description: 'How long calls stay signed with the old secret too (a second `v1`), while the ERP switches over',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(168)
  keepPreviousHours?: number;
}

export class WebhookEndpointCircuitView {
  @ApiProperty({
    enum: ['closed', 'open'],
    description:
      '`open`: after ERP_WEBHOOK_CIRCUIT_THRESHOLD failed calls in a row, no delivery calls the endpoint until ' +
      '`openUntil`; then one call probes it (a success closes the circuit, a failure opens it for twice as long). ' +
      'Deliveries held meanwhile keep their attempts.',
  })
  state!: 'closed' | 'open';
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) openUntil!: string | null;
  @ApiProperty({ example: 0, description: 'Failed calls since the last success' }) consecutiveFailures!: number;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description:
      'The first failure since the last success; failing for ERP_WEBHOOK_DISABLE_AFTER disables the endpoint',
  })
  failingSince!: string | null;
}

export class WebhookEndpointView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'https://erp.example.com/hooks/signbridge' }) url!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: SUBSCRIBABLE_EVENT_TYPES, isArray: true }) eventTypes!: string[];
  @ApiProperty({ enum: ['enabled', 'disabled'] }) status!: 'enabled' | 'disabled';
  @ApiProperty({ nullable: true, type: Number, example: 4, description: MAX_IN_FLIGHT_DESCRIPTION })
  maxInFlight!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 20, description: MAX_PER_SECOND_DESCRIPTION })
  maxPerSecond!: number | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'WEBHOOK.GONE: HTTP 410: the endpoint is disabled',
    description:
      'Why it was disabled, when SignBridge did it (a 410 Gone, or `WEBHOOK.FAILING`: no successful call for ' +
      'ERP_WEBHOOK_DISABLE_AFTER); null when staff did',
  })
  disabledReason!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'During a rotation: until when calls also carry a signature with the previous secret',
  })
  previousSecretExpiresAt!: string | null;
  @ApiProperty({ type: WebhookEndpointCircuitView }) circuit!: WebhookEndpointCircuitView;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class WebhookEndpointWithSecretView extends WebhookEndpointView {
  @ApiProperty({
    example: 'whsec_0nJ8mZ3b5f6yKq1Xo2s4VwT7uE9rC0aLdG8hP3iQ5jM=',
    description: 'The HMAC-SHA256 key of `X-SignBridge-Signature`; shown when created and when rotated',
  })
  secret!: string;
}

export class WebhookEndpointPage extends PageOf(WebhookEndpointView) {}
