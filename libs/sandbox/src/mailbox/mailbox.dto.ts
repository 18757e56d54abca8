import { ApiProperty } from '@nestjs/swagger';

export class MailMessageDto {
  @ApiProperty({ example: 'mail_x1' }) id!: string;
  @ApiProperty() to!: string;
  @ApiProperty() subject!: string;
  @ApiProperty() text!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The one-time code of an OTP mail' }) code!: string | null;
  @ApiProperty({ enum: ['invitation', 'otp', 'reminder', 'completed'] }) kind!: string;
  @ApiProperty({ nullable: true, type: String }) envelope_id!: string | null;
  @ApiProperty() created_at!: string;
}
