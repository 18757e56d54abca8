// Writes a small contract PDF to stdout, for the README walkthrough: `npm run --silent sample:pdf > contract.pdf`.
import { PDFDocument, StandardFonts } from 'pdf-lib';

const title = process.argv[2] ?? 'Service agreement';
const pdf = await PDFDocument.create();
pdf.setTitle(title);
const font = await pdf.embedFont(StandardFonts.Helvetica);
const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
const page = pdf.addPage([595, 842]);
page.drawText(title, { x: 56, y: 770, size: 20, font: bold });
const lines = [
  'Between Example Services S.L. (the provider) and the customer named in the order.',
  '1. The provider delivers the service described in the order from the activation date.',
  '2. The customer pays the fees in the order; invoices are due within 30 days.',
  '3. Either party may end this agreement with 30 days written notice.',
];
lines.forEach((line, i) => page.drawText(line, { x: 56, y: 720 - i * 22, size: 11, font }));
process.stdout.write(Buffer.from(await pdf.save()));
