import { formatCents } from '../money/invoice-totals';
import { verifactuDate } from './verifactu-fingerprint';

/**
 * The AEAT's cotejo service (art. 21 RRSIF, AEAT QR spec): records kept locally and chained, not sent online
 * (the "no VERI*FACTU" mode), so the non-VeriFactu endpoint. Parameters nif, numserie, fecha (dd-mm-yyyy), importe.
 */
export const AEAT_QR_BASE_URL = 'https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQRNoVerifactu';

export function invoiceQrUrl(input: { issuerTaxId: string; number: string; issueDate: string; totalCents: number }) {
  const params = new URLSearchParams({
    nif: input.issuerTaxId,
    numserie: input.number,
    fecha: verifactuDate(input.issueDate),
    importe: formatCents(input.totalCents),
  });
  return `${AEAT_QR_BASE_URL}?${params.toString()}`;
}
