import { altaFingerprint, altaRecordString, issueInstant, verifactuDate } from './verifactu-fingerprint';

// The AEAT's own examples (sede.agenciatributaria.gob.es, FAQ "huella"), reproduced with sha256sum: erp-legal.md §2.
const FIRST = {
  issuerTaxId: '89890001K',
  number: '12345678/G33',
  issueDate: '01-01-2024',
  invoiceType: 'F1' as const,
  totalVat: '12.35',
  total: '123.45',
  previousFingerprint: '',
  generatedAt: '2024-01-01T19:20:30+01:00',
};
const FIRST_HASH = '3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60';
const SECOND = {
  ...FIRST,
  number: '12345679/G34',
  previousFingerprint: FIRST_HASH,
  generatedAt: '2024-01-01T19:20:35+01:00',
};
const SECOND_HASH = 'F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97';

describe('VeriFactu fingerprint (huella) of a registro de alta', () => {
  it('writes the fields in the official order, an empty Huella as "Huella="', () => {
    expect(altaRecordString(FIRST)).toBe(
      'IDEmisorFactura=89890001K&NumSerieFactura=12345678/G33&FechaExpedicionFactura=01-01-2024&TipoFactura=F1' +
        '&CuotaTotal=12.35&ImporteTotal=123.45&Huella=&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00',
    );
  });

  it('reproduces the first official AEAT vector', () => {
    expect(altaFingerprint(FIRST)).toBe(FIRST_HASH);
  });

  it('reproduces the second official AEAT vector, chained to the first', () => {
    expect(altaFingerprint(SECOND)).toBe(SECOND_HASH);
  });

  it('trims values, and any change of a field or of the previous hash changes the fingerprint', () => {
    expect(altaFingerprint({ ...FIRST, issuerTaxId: ' 89890001K ' })).toBe(FIRST_HASH);
    expect(altaFingerprint({ ...FIRST, total: '123.46' })).not.toBe(FIRST_HASH);
    expect(altaFingerprint({ ...SECOND, previousFingerprint: FIRST_HASH.toLowerCase() })).not.toBe(SECOND_HASH);
    expect(altaFingerprint(FIRST)).toMatch(/^[0-9A-F]{64}$/);
  });

  it('takes the issue date and generation time as Madrid shows them, with the offset', () => {
    expect(issueInstant(new Date('2024-01-01T18:20:30.900Z'))).toEqual({
      date: '2024-01-01',
      year: 2024,
      generatedAt: '2024-01-01T19:20:30+01:00',
    });
    expect(issueInstant(new Date('2026-07-15T10:00:00Z')).generatedAt).toBe('2026-07-15T12:00:00+02:00');
    // New Year's Eve at 23:30 UTC is already 1 January in Madrid: a new year, a new series year.
    expect(issueInstant(new Date('2026-12-31T23:30:00Z'))).toMatchObject({ date: '2027-01-01', year: 2027 });
    expect(verifactuDate('2026-03-09')).toBe('09-03-2026');
  });
});
