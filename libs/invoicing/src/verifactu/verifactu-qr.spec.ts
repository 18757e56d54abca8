import QRCode from 'qrcode';
import { invoiceQrUrl } from './verifactu-qr';

describe('the invoice QR code', () => {
  const url = invoiceQrUrl({
    issuerTaxId: 'B00000000',
    number: 'F2026-000001',
    issueDate: '2026-03-09',
    totalCents: 145_20,
  });

  it('carries the AEAT cotejo URL with the seller tax id, number, dd-mm-yyyy date and total', () => {
    expect(url).toBe(
      'https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu' +
        '?nif=B00000000&numserie=F2026-000001&fecha=09-03-2026&importe=145.20',
    );
    const params = new URL(url).searchParams;
    expect(Object.fromEntries(params)).toEqual({
      nif: 'B00000000',
      numserie: 'F2026-000001',
      fecha: '09-03-2026',
      importe: '145.20',
    });
  });

  it('escapes what a URL cannot carry and writes credit notes negative', () => {
    const credit = invoiceQrUrl({
      issuerTaxId: 'B00000000',
      number: 'R2026/1 A',
      issueDate: '2026-03-09',
      totalCents: -5,
    });
    expect(new URL(credit).searchParams.get('numserie')).toBe('R2026/1 A');
    expect(new URL(credit).searchParams.get('importe')).toBe('-0.05');
  });

  it('encodes the whole URL at error correction level M', () => {
    const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
    expect(qr.errorCorrectionLevel.bit).toBe(
      QRCode.create('x', { errorCorrectionLevel: 'M' }).errorCorrectionLevel.bit,
    );
    const text = qr.segments
      .map((s) => (s as unknown as { data: Uint8Array | string }).data)
      .map((data) => (typeof data === 'string' ? data : Buffer.from(data).toString('utf8')))
      .join('');
    expect(text).toBe(url);
    expect(qr.modules.size).toBeGreaterThanOrEqual(41); // version 6 or more: the URL does not fit a smaller one
  });
});
