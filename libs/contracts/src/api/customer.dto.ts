import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEmail, IsIn, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageQueryDto, PageOf } from '@app/common';
import type { CustomerEntity } from '@app/domain';

export class AddressDto {
  @ApiProperty({ example: 'Calle Mayor 1' }) @IsString() @Length(1, 200) line1!: string;
  @ApiPropertyOptional({ example: '3º B' }) @IsOptional() @IsString() @MaxLength(200) line2?: string;
  @ApiProperty({ example: 'Madrid' }) @IsString() @Length(1, 100) city!: string;
  @ApiProperty({ example: '28013' }) @IsString() @Length(1, 20) postalCode!: string;
  @ApiPropertyOptional({ example: 'Madrid' }) @IsOptional() @IsString() @MaxLength(100) region?: string;
  @ApiProperty({ example: 'ES', description: 'ISO 3166-1 alpha-2' })
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as ES' })
  country!: string;
}

export class CreateCustomerDto {
  @ApiProperty({ example: 'ERP-CUST-000123', description: "The ERP's own id; unique" })
  @IsString()
  @Length(1, 100)
  externalRef!: string;

  @ApiProperty({ example: 'Acme Logistics S.L.' }) @IsString() @Length(1, 200) name!: string;
  @ApiProperty({ example: 'billing@acme.example' }) @IsEmail() @MaxLength(320) email!: string;

  @ApiPropertyOptional({ example: 'ESB12345678' }) @IsOptional() @IsString() @Length(1, 50) taxId?: string;

  @ApiPropertyOptional({ type: AddressDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  address?: AddressDto;
}

export class ListCustomersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'active'] })
  @IsOptional()
  @IsIn(['pending', 'active'])
  status?: 'pending' | 'active';
}

export class CustomerView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() externalRef!: string;
  @ApiProperty() name!: string;
  @ApiProperty() email!: string;
  @ApiProperty({ nullable: true, type: String }) taxId!: string | null;
  @ApiProperty({ nullable: true, type: AddressDto }) address!: AddressDto | null;
  @ApiProperty({ enum: ['pending', 'active'], example: 'pending' }) status!: 'pending' | 'active';
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) activatedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class CustomerPage extends PageOf(CustomerView) {}

export function toCustomerView(customer: CustomerEntity): CustomerView {
  return {
    id: customer.id,
    externalRef: customer.externalRef,
    name: customer.name,
    email: customer.email,
    taxId: customer.taxId,
    address: customer.address,
    status: customer.status,
    activatedAt: customer.activatedAt?.toISOString() ?? null,
    createdAt: customer.createdAt.toISOString(),
  };
}
