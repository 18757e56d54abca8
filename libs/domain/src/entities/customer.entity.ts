import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CustomerStatus = 'pending' | 'active';

export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  region?: string;
  country: string;
}

/** One line, as an invoice prints it: `line1, line2, postalCode city, region, country`, empty parts left out. */
export function formatAddress(address: PostalAddress | null): string {
  if (!address) return '';
  return [address.line1, address.line2, `${address.postalCode} ${address.city}`, address.region, address.country]
    .filter((part) => part !== undefined && part.trim() !== '')
    .join(', ');
}

@Entity({ name: 'customers' })
export class CustomerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** The ERP's own id for this customer: unique, so registering twice is caught. */
  @Column({ name: 'external_ref', type: 'text', unique: true })
  externalRef!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ name: 'tax_id', type: 'text', nullable: true })
  taxId!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  address!: PostalAddress | null;

  @Column({ type: 'text' })
  status!: CustomerStatus;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
