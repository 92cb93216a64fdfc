/**
 * The names mapping: the ledger's `person` items (written whole, read a page at a time, with what
 * DynamoDB leaves unprocessed asked again) and the instance's record of what it wrote (one write per
 * person an hour, again after `forget`), which never fails a request.
 */
import { BatchGetItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { createLedger } from '../../../../lambdas/aws/ledger';
import { createPeople, PERSON_MEMO_MS } from '../../../../lambdas/aws/people';
import { alice, bob, clock, testUser } from '../../support/fixtures';
import { LEDGER_TABLE, type LedgerTable, ledgerTable, personItem } from '../../support/ledger-table';

let table: LedgerTable;
beforeEach(() => {
  table = ledgerTable();
});
afterEach(() => table.restore());

const ledger = () =>
  createLedger({ client: new DynamoDBClient({ region: 'us-east-1' }), tableName: LEDGER_TABLE });
const person = (user = alice) => ({ identityId: user.identityId, sub: user.sub, username: user.username });

describe('the ledger: person items', () => {
  test('recordPerson writes one item in the identity’s own partition: its sub and username', async () => {
    await ledger().recordPerson(person());
    expect(table.sdk.commandCalls(PutItemCommand)[0]?.args[0].input).toEqual({
      TableName: LEDGER_TABLE,
      Item: {
        pk: { S: alice.identityId },
        sk: { S: 'person' },
        sub: { S: alice.sub },
        username: { S: alice.username },
      },
    });
  });

  test('a verified email is recorded with the person and is the name read back; else the username', async () => {
    await ledger().recordPerson({ ...person(), email: 'alice@example.com' });
    expect(table.get(alice.identityId, 'person')?.email).toEqual({ S: 'alice@example.com' });
    await ledger().recordPerson(person(bob));
    const names = await ledger().names([alice.identityId, bob.identityId]);
    expect(Object.fromEntries(names)).toEqual({
      [alice.identityId]: 'alice@example.com',
      [bob.identityId]: bob.username,
    });
  });

  test('names reads a page of identities in batches of 100, each identity once, unknown ones left out', async () => {
    const users = Array.from({ length: 150 }, (_, n) => testUser(n + 10));
    for (const user of users.slice(0, 149)) table.put(personItem(user.identityId, user.username));
    const ids = [...users.map((user) => user.identityId), users[0]?.identityId ?? ''];
    const names = await ledger().names(ids);
    const calls = table.sdk.commandCalls(BatchGetItemCommand);
    expect(calls.map((call) => call.args[0].input.RequestItems?.[LEDGER_TABLE]?.Keys?.length)).toEqual([
      100, 50,
    ]);
    expect(names.size).toBe(149);
    expect(names.get(users[5]?.identityId ?? '')).toBe(users[5]?.username);
    expect(names.has(users[149]?.identityId ?? '')).toBe(false);
  });

  test('asks again for what DynamoDB leaves unprocessed, and gives up after a few tries', async () => {
    table.put(personItem(alice.identityId, alice.username));
    table.put(personItem(bob.identityId, bob.username));
    table.leaveUnprocessed = [1];
    const names = await ledger().names([alice.identityId, bob.identityId]);
    expect(Object.fromEntries(names)).toEqual({
      [alice.identityId]: alice.username,
      [bob.identityId]: bob.username,
    });
    expect(table.sdk.commandCalls(BatchGetItemCommand)).toHaveLength(2);

    table.sdk.resetHistory();
    table.leaveUnprocessed = [1, 1, 1, 1, 1, 1];
    const partial = await ledger().names([alice.identityId, bob.identityId]);
    expect([...partial.keys()]).toEqual([alice.identityId]);
    expect(table.sdk.commandCalls(BatchGetItemCommand)).toHaveLength(5);
  });
});

describe('people: what the instance recorded', () => {
  const recordPerson = vi.fn(async () => undefined);
  const names = vi.fn(async () => new Map([[bob.identityId, bob.username]]));
  beforeEach(() => {
    recordPerson.mockClear();
    names.mockClear();
  });

  test('writes a person once an hour, again when the name changes or after forget', async () => {
    const time = clock();
    const people = createPeople({ ledger: { recordPerson, names }, now: time.now });
    await people.record(person());
    await people.record(person());
    expect(recordPerson).toHaveBeenCalledTimes(1);
    await people.record({ ...person(), username: 'alice-renamed' });
    expect(recordPerson).toHaveBeenCalledTimes(2);
    people.forget(alice.identityId);
    await people.record({ ...person(), username: 'alice-renamed' });
    expect(recordPerson).toHaveBeenCalledTimes(3);
    time.advance(PERSON_MEMO_MS);
    await people.record({ ...person(), username: 'alice-renamed' });
    expect(recordPerson).toHaveBeenCalledTimes(4);
    // A newly verified email is a new name, written at once.
    await people.record({ ...person(), username: 'alice-renamed', email: 'alice@example.com' });
    expect(recordPerson).toHaveBeenCalledTimes(5);
  });

  test('records no malformed person: not an identity ID, no username, or a control character in it', async () => {
    const people = createPeople({ ledger: { recordPerson, names } });
    await people.record({ ...person(), identityId: 'not-an-identity' });
    await people.record({ ...person(), username: '' });
    await people.record({ ...person(), username: 'ali\u0000ce' });
    await people.record({ ...person(), username: 'x'.repeat(129) });
    await people.record({ ...person(), sub: '' });
    expect(recordPerson).not.toHaveBeenCalled();
  });

  test('a failed write or read is reported by name and never thrown; the failed write is tried again', async () => {
    const errors: string[] = [];
    const failing = {
      recordPerson: vi.fn(async () => {
        throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      }),
      names: vi.fn(async () => {
        throw Object.assign(new Error('down'), { name: 'InternalServerError' });
      }),
    };
    const people = createPeople({
      ledger: failing,
      onError: (operation, error) => errors.push(`${operation} ${(error as Error).name}`),
    });
    await expect(people.record(person())).resolves.toBeUndefined();
    await expect(people.record(person())).resolves.toBeUndefined();
    expect(failing.recordPerson).toHaveBeenCalledTimes(2);
    await expect(people.namesOf([bob.identityId])).resolves.toEqual(new Map());
    expect(errors).toEqual([
      'record ProvisionedThroughputExceededException',
      'record ProvisionedThroughputExceededException',
      'read InternalServerError',
    ]);
  });

  test('asks only for identity IDs, each once, and not at all for none', async () => {
    const people = createPeople({ ledger: { recordPerson, names } });
    expect(await people.namesOf([])).toEqual(new Map());
    expect(await people.namesOf(['groups/design', 'not-an-id'])).toEqual(new Map());
    expect(names).not.toHaveBeenCalled();
    await people.namesOf([bob.identityId, bob.identityId, 'x']);
    expect(names).toHaveBeenCalledWith([bob.identityId]);
  });

  test('without a ledger: nothing recorded, no names', async () => {
    const people = createPeople({});
    await people.record(person());
    expect(await people.namesOf([bob.identityId])).toEqual(new Map());
  });
});
