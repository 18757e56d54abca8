import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const API_SCOPES = ['erp', 'staff', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

/** Only the SHA-256 of a key is stored: keys are 256-bit random, so a slow hash would add nothing. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The first characters of the key, so staff can tell keys apart without seeing them. */
  @Column({ type: 'text' })
  prefix!: string;

  @Column({ name: 'key_hash', type: 'text', unique: true })
  keyHash!: string;

  @Column({ type: 'text', array: true })
  scopes!: ApiScope[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** The key that created it through the API; null for the bootstrap key. */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;
}
