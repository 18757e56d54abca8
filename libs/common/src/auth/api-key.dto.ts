import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, Length } from 'class-validator';
import { API_SCOPES, type ApiScope } from '@app/domain';
import { PageOf } from '../pagination/cursor';
import type { ApiKeyRecord } from './api-key.service';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'ERP production (SAP connector)', description: 'What the key is for, to tell keys apart' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @ApiProperty({
    enum: API_SCOPES,
    isArray: true,
    example: ['erp'],
    description: '`erp`: business data; `staff`: operations (replay, retry, hold release); `admin`: everything',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true })
  scopes!: ApiScope[];
}

export class ApiKeyView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'sb_3q2-7wZ', description: 'The first characters of the key, to tell keys apart' })
  prefix!: string;
  @ApiProperty({ enum: API_SCOPES, isArray: true }) scopes!: ApiScope[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The key that created it' })
  createdBy!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) revokedAt!: string | null;
}

export class CreatedApiKeyView extends ApiKeyView {
  @ApiProperty({
    example: 'sb_3q2-7wZkq0lU4o6v0X4f3yR2mX8s1ZP8JxkQvC1bY0Qd',
    description: 'The key itself, shown this once: only its SHA-256 is stored',
  })
  key!: string;
}

export class ApiKeyPage extends PageOf(ApiKeyView) {}

export function toApiKeyView(record: ApiKeyRecord): ApiKeyView {
  return {
    id: record.id,
    name: record.name,
    prefix: record.prefix,
    scopes: record.scopes,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    revokedAt: record.revokedAt?.toISOString() ?? null,
  };
}
