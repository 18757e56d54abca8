import { modifiedRows } from './modified-rows';

// The shapes TypeORM's postgres driver answers with; the real thing is exercised by test/integration.
const answering = (result: unknown) => ({ query: async () => result });

describe('modifiedRows', () => {
  it('unwraps the [rows, count] of an UPDATE or DELETE … RETURNING', async () => {
    expect(await modifiedRows(answering([[{ id: 'a' }], 1]), 'UPDATE …')).toEqual([{ id: 'a' }]);
    expect(await modifiedRows(answering([[], 0]), 'DELETE …')).toEqual([]);
  });

  it('passes plain rows through, two of them included', async () => {
    expect(await modifiedRows(answering([{ id: 'a' }, { id: 'b' }]), 'WITH …')).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('refuses an answer without rows', async () => {
    await expect(modifiedRows(answering(undefined), 'UPDATE …')).rejects.toThrow('no rows array');
  });
});
