import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageQueryDto, PageOf } from '@app/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { AuditEntry, ChainBreakReason } from './audit-chain';

const HASH_EXAMPLE = '9f2c4e1b7a0d3c5e8f6a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60';

export class ListAuditLogQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'contract:7b0c9d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e', description: 'Only this subject' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  subject?: string;
}

export class AuditEntryView {
  @ApiProperty({ example: 42, description: 'Position in the chain: 1, 2, 3… without gaps' }) seq!: number;
  @ApiProperty({ format: 'date-time', example: '2026-11-26T10:15:00.123Z' }) at!: string;
  @ApiProperty({ example: 'provider:sandbox', description: '`system`, `provider:<name>` or `api-key:<keyId>`' })
  actor!: string;
  @ApiProperty({ example: 'SignerSigned' }) action!: string;
  @ApiProperty({ example: 'contract:7b0c9d8e-1f2a-4b3c-8d4e-5f6a7b8c9d0e' }) subject!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What was hashed. Personal data appears only as `personal: {ref, sha256}`.',
    example: {
      eventId: '1c1d…',
      payload: { at: '2026-11-26T10:15:00.000Z', level: 'advanced' },
      personal: { ref: '5e0b…', sha256: HASH_EXAMPLE },
    },
  })
  data!: Record<string, unknown>;
  @ApiProperty({ example: HASH_EXAMPLE, description: 'The previous entry’s hash; 64 zeros for seq 1' })
  prevHash!: string;
  @ApiProperty({ example: HASH_EXAMPLE }) hash!: string;
}

export class AuditEntryPage extends PageOf(AuditEntryView) {}

export class ChainHeadView {
  @ApiProperty({ example: 1234 }) seq!: number;
  @ApiProperty({ example: HASH_EXAMPLE }) hash!: string;
}

export class ChainValidView {
  @ApiProperty({ enum: [true] }) valid!: true;
  @ApiProperty({ example: 1234, description: 'Entries recomputed' }) entries!: number;
  @ApiProperty({ type: ChainHeadView, nullable: true, description: 'The last entry; null for an empty log' })
  head!: ChainHeadView | null;
}

export class ChainBreakView {
  @ApiProperty({ example: 17, description: 'The first entry that does not hold' }) seq!: number;
  @ApiProperty({
    enum: ['hash_mismatch', 'prev_hash_mismatch', 'seq_gap'],
    description:
      '`hash_mismatch`: the entry was changed (expected = recomputed hash, actual = stored hash); ' +
      '`prev_hash_mismatch`: it does not point at the previous entry (expected = that entry’s hash); ' +
      '`seq_gap`: entries are missing (expected / actual seq)',
  })
  reason!: ChainBreakReason;
  @ApiProperty({ example: HASH_EXAMPLE }) expected!: string;
  @ApiProperty({ example: '0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091' }) actual!: string;
}

export class ChainBrokenView {
  @ApiProperty({ enum: [false] }) valid!: false;
  @ApiProperty({ example: 16, description: 'Entries that verified before the break' }) entriesChecked!: number;
  @ApiProperty({ type: ChainBreakView }) brokenAt!: ChainBreakView;
}

export const AUDIT_LOG_MODELS = ApiExtraModels(ChainValidView, ChainBrokenView);

export function toAuditEntryView(entry: AuditEntry): AuditEntryView {
  return { ...entry, at: entry.at.toISOString() };
}
