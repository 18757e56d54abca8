import { uuidv7, uuidv7Floor } from './uuid-v7';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** When a version-7 UUID was made (its first 48 bits), or null for any other UUID. */
function uuidv7Time(id: string): Date | null {
  if (!UUID_V7.test(id)) return null;
  return new Date(parseInt(id.slice(0, 8) + id.slice(9, 13), 16));
}

describe('uuidv7', () => {
  it('is a version-7, variant-1 UUID carrying its millisecond', () => {
    const at = Date.parse('2026-11-27T16:30:00.123Z');
    const id = uuidv7(at);
    expect(id).toMatch(UUID_V7);
    expect(uuidv7Time(id)?.toISOString()).toBe('2026-11-27T16:30:00.123Z');
    expect(id.slice(0, 13)).toBe(`${at.toString(16).padStart(12, '0').slice(0, 8)}-${at.toString(16).slice(-4)}`);
  });

  it('sorts by time, as text and as PostgreSQL compares uuids (bytewise)', () => {
    const times = [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, Date.parse('2026-01-01T00:00:00Z'), 2 ** 48 - 1];
    const ids = times.map((t) => uuidv7(t));
    expect([...ids].sort()).toEqual(ids);
    for (const [i, t] of times.entries()) expect(uuidv7Time(ids[i])?.getTime()).toBe(t);
  });

  it('is unique in bulk, across pool refills', () => {
    const at = Date.now();
    const ids = Array.from({ length: 5000 }, () => uuidv7(at));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => UUID_V7.test(id))).toBe(true);
  });

  it('floors a time: ids of that millisecond and later sort at or after it, earlier ones before', () => {
    const at = new Date('2026-11-27T16:30:00.123Z');
    const floor = uuidv7Floor(at);
    expect(floor).toMatch(UUID_V7);
    expect(uuidv7(at.getTime()) >= floor).toBe(true);
    expect(uuidv7(at.getTime() + 1) > floor).toBe(true);
    expect(uuidv7(at.getTime() - 1) < floor).toBe(true);
  });

  it('reads no time from another version', () => {
    expect(uuidv7Time('3b241101-e2bb-4255-8caf-4136c566a962')).toBeNull();
  });
});
