import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { RequireScope } from '@app/common';
import {
  AUDIT_LOG_MODELS,
  AuditEntryPage,
  ChainBrokenView,
  ChainValidView,
  ListAuditLogQueryDto,
  toAuditEntryView,
} from './audit-log.dto';
import { AuditLogQueries } from './audit-log.queries';

/** Staff tools for the audit log: read it, and prove it has not been altered. */
@ApiTags('audit-log')
@RequireScope('staff')
@AUDIT_LOG_MODELS
@Controller('api/v1/audit-log')
export class AuditLogController {
  constructor(private readonly queries: AuditLogQueries) {}

  @Get()
  @ApiOperation({ summary: 'Audit-log entries, oldest first (cursor pagination, optional subject filter)' })
  @ApiOkResponse({ type: AuditEntryPage })
  async list(@Query() query: ListAuditLogQueryDto): Promise<AuditEntryPage> {
    const page = await this.queries.list(query);
    return { items: page.items.map(toAuditEntryView), nextCursor: page.nextCursor };
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Recompute the whole hash chain',
    description:
      'Walks every entry from seq 1: each seq follows the previous one, each prevHash is the previous hash ' +
      '(64 zeros for seq 1), and each hash is SHA-256 of the canonical JSON (RFC 8785) of ' +
      '{action, actor, at, data, prevHash, seq, subject}. Reports the first entry that does not hold. ' +
      'Always 200: a broken chain is an answer, not an error.',
  })
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(ChainValidView) }, { $ref: getSchemaPath(ChainBrokenView) }] },
    examples: {
      valid: {
        summary: 'intact',
        value: { valid: true, entries: 1234, head: { seq: 1234, hash: '9f2c…' } },
      },
      broken: {
        summary: 'entry 17 was altered',
        value: {
          valid: false,
          entriesChecked: 16,
          brokenAt: { seq: 17, reason: 'hash_mismatch', expected: '9f2c…', actual: '0c1d…' },
        },
      },
    },
  })
  async verify(): Promise<ChainValidView | ChainBrokenView> {
    return this.queries.verify();
  }
}
