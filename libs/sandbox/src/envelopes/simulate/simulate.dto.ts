import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsIP, IsOptional, IsString, MaxLength } from 'class-validator';
import { SIGNATURE_LEVELS, type SignatureLevel } from '../envelope.types';

export const SIMULATED_ACTIONS = ['deliver', 'bounce', 'open', 'sign', 'decline', 'expire'] as const;
export type SimulatedAction = (typeof SIMULATED_ACTIONS)[number];

export class SimulateDto {
  @ApiProperty({ enum: SIMULATED_ACTIONS })
  @IsIn(SIMULATED_ACTIONS)
  action!: SimulatedAction;

  @ApiPropertyOptional({ description: "The signer's e-mail; default: the first signer who has not acted" })
  @IsOptional()
  @IsEmail()
  signer?: string;

  @ApiPropertyOptional({ enum: SIGNATURE_LEVELS, description: "sign: the level signed at; default the envelope's" })
  @IsOptional()
  @IsIn(SIGNATURE_LEVELS)
  level?: SignatureLevel;

  @ApiPropertyOptional({ example: '203.0.113.7' })
  @IsOptional()
  @IsIP()
  ip?: string;

  @ApiPropertyOptional({ example: 'Mozilla/5.0 (simulated)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  user_agent?: string;

  @ApiPropertyOptional({ description: 'decline / bounce: why' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class VoidEnvelopeDto {
  @ApiPropertyOptional({ example: 'Sent to the wrong customer' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}
