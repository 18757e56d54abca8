export * from './invoicing.module';
export * from './invoicing.errors';
export * from './money/invoice-totals';
export * from './numbering/invoice-number';
export * from './verifactu/verifactu-fingerprint';
export * from './verifactu/verifactu-qr';
