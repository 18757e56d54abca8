export * from './signature-level';
export * from './money';
export * from './entities';
export * from './migrations';
