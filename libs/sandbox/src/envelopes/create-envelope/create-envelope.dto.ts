import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { SIGNATURE_LEVELS, type SignatureLevel } from '../envelope.types';

export class SignerInputDto {
  @ApiProperty({ example: 'Ana Example' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  name!: string;

  @ApiProperty({ example: 'ana@example.com', description: 'A domain ending in .invalid bounces' })
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiPropertyOptional({ example: '+34 600 000 000' })
  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9 ()-]{4,30}$/, { message: 'phone must be a phone number' })
  phone?: string;
}

export class DocumentInputDto {
  @ApiProperty({ example: 'contract.pdf' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  filename!: string;

  @ApiProperty({ description: 'The PDF, base64 (at most 10 MB decoded)' })
  @IsString()
  @IsNotEmpty()
  content_base64!: string;
}

/** Everything but the document: the fields a multipart request carries as text. */
export class CreateEnvelopeFieldsDto {
  @ApiProperty({ example: 'Service agreement' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  title!: string;

  @ApiProperty({ type: [SignerInputDto], minItems: 1, maxItems: 10 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => SignerInputDto)
  signers!: SignerInputDto[];

  @ApiProperty({ enum: SIGNATURE_LEVELS })
  @IsIn(SIGNATURE_LEVELS)
  signature_level!: SignatureLevel;

  @ApiPropertyOptional({ description: 'ISO 8601, in the future; default in 30 days' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string;

  @ApiProperty({ example: 'http://localhost:3000/webhooks/sandbox' })
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false })
  webhook_url!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Echoed in envelope.sent' })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}

export class CreateEnvelopeDto extends CreateEnvelopeFieldsDto {
  @ApiProperty({ type: DocumentInputDto })
  @ValidateNested()
  @Type(() => DocumentInputDto)
  @IsObject()
  document!: DocumentInputDto;
}
