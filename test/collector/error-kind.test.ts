// Failures group by what went wrong: the parts of a message that vary from one request to the
// next are replaced, so one kind of failure is one group, and different ones stay apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorKindOf, httpStatusOf, normaliseErrorMessage } from '../../collector/src/store/error-kind';

test('numbers, ids, hex, quoted values, UUIDs, e-mails and query strings are replaced', () => {
  const cases: [string, string][] = [
    ['user 123 not found', 'user <n> not found'],
    ['timeout of 5000ms exceeded', 'timeout of <n>ms exceeded'],
    ['order ord_8f3kd9x is locked', 'order <id> is locked'],
    ['object 5f2b9c1e8a7d6e4f3a2b1c0d not in cache', 'object <hex> not in cache'],
    ['bad pointer 0xDEADBEEF', 'bad pointer <hex>'],
    ['no session 0f8fad5b-d9cb-469f-a165-70867728950e', 'no session <uuid>'],
    ['mail to jane.doe+shop@example.co.uk bounced', 'mail to <email> bounced'],
    ['GET https://api.example.com/v1/users?id=42&token=abc failed', 'GET https://api.example.com/v<n>/users?<query> failed'],
    ['column "email" does not exist', 'column "<str>" does not exist'],
    ["unknown key 'Shift'", "unknown key '<str>'"],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED <n>.<n>.<n>.<n>:<n>'],
    ["can't read property of undefined", "can't read property of undefined"],
    ['  two\n lines  ', 'two lines'],
  ];
  for (const [message, pattern] of cases) assert.equal(normaliseErrorMessage(message), pattern, message);
});

test('timestamps are one placeholder, whole: ISO 8601 and what a JavaScript Date prints', () => {
  const cases: [string, string][] = [
    ['token expired at 2026-11-28T08:10:53.565Z', 'token expired at <time>'],
    ['batch of 2026-11-28 10:43:07+01:00 failed', 'batch of <time> failed'],
    ['no rates for 2026-11-28', 'no rates for <time>'],
    // Date's toString and toUTCString: the day and month names must not split one kind in 84.
    ['jwt expired at Sat Nov 28 2026 10:43:07 GMT+0000 (Coordinated Universal Time)', 'jwt expired at <time>'],
    ['lease ended Tue, 03 Feb 2026 09:00:00 GMT, renew', 'lease ended <time>, renew'],
  ];
  for (const [message, pattern] of cases) assert.equal(normaliseErrorMessage(message), pattern, message);
  assert.equal(
    normaliseErrorMessage('jwt expired at Sat Nov 28 2026 10:43:07 GMT+0000 (Coordinated Universal Time)'),
    normaliseErrorMessage('jwt expired at Mon Dec 01 2026 23:59:59 GMT-0500 (Eastern Standard Time)'),
  );
});

test('messages that differ only in their values are one kind; different failures are not', () => {
  const kind = (type: string | null, message: string) => errorKindOf({ type, message }, null).kind;
  assert.equal(kind('NotFoundError', 'user 123 not found'), kind('NotFoundError', 'user 456 not found'));
  assert.equal(kind('NotFoundError', 'user 123 not found'), 'NotFoundError: user <n> not found');
  assert.equal(kind(null, 'invoice "A-17" is paid'), kind(null, 'invoice "B-9" is paid'));
  assert.notEqual(kind('NotFoundError', 'user 1 not found'), kind('NotFoundError', 'order 1 not found'));
  assert.notEqual(kind('TypeError', 'x is not a function'), kind('RangeError', 'x is not a function'));
  assert.equal(kind('TypeError', ''), 'TypeError', 'a type alone');
  assert.equal(kind(null, 'boom'), 'boom', 'a message alone');
});

test('the HTTP status names a failure that recorded nothing better', () => {
  assert.deepEqual(errorKindOf(null, 503), { kind: 'HTTP 503', type: null, pattern: '', httpStatus: 503 });
  assert.deepEqual(errorKindOf({ type: null, message: '' }, 502).kind, 'HTTP 502');
  assert.equal(errorKindOf({ type: null, message: 'db down' }, 503).httpStatus, null, 'a message says more than the status');
  assert.equal(errorKindOf(null, null).kind, 'no error recorded');
  assert.equal(httpStatusOf(503), 503);
  assert.equal(httpStatusOf('504'), 504);
  assert.equal(httpStatusOf(99), null);
  assert.equal(httpStatusOf('oops'), null);
});

test('a pattern stays short enough for a URL parameter', () => {
  const kind = errorKindOf({ type: 'E'.repeat(400), message: 'x '.repeat(1000) }, null).kind;
  assert.ok(kind.length <= 512, `kind of ${kind.length} characters`);
});
