// A failed span's error in one line (store/span-error.ts): the exception event first, then the
// status message; bounded for a list row.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { spanErrorText } from '../../collector/src/store/span-error';

const exception = (attributes: Record<string, unknown>) => ({ name: 'exception', attributes });

test('the exception event wins over the status message, type and message joined', () => {
  assert.equal(spanErrorText('status says', [exception({ 'exception.type': 'TypeError', 'exception.message': 'x is undefined' })]), 'TypeError: x is undefined');
  assert.equal(spanErrorText('', [exception({ 'exception.message': 'only a message' })]), 'only a message');
  assert.equal(spanErrorText('', [exception({ 'exception.type': 'AbortError' })]), 'AbortError');
});

test('without an exception: the status message; nothing at all: null', () => {
  assert.equal(spanErrorText('card declined', [{ name: 'retry', attributes: {} }]), 'card declined');
  assert.equal(spanErrorText('  ', []), null);
  assert.equal(spanErrorText(null, [exception({ 'exception.message': 42 })]), null, 'a message that is not text is not shown');
});

test('a long message is cut to 300 characters', () => {
  assert.equal(spanErrorText('x'.repeat(1000), [])?.length, 300);
});

test('an exception without a type gives way to a status message beside it (pg: generic wrapper, status says the cause)', () => {
  const pg = [exception({ 'exception.message': "PostgreSQL error of type 'error' occurred (code: 42601)" })];
  assert.equal(spanErrorText('error: syntax error at or near "SELEC"', pg), 'error: syntax error at or near "SELEC"');
  assert.equal(spanErrorText('', pg), "PostgreSQL error of type 'error' occurred (code: 42601)", 'without a status message the exception still speaks');
  assert.equal(spanErrorText('aborted', [exception({ 'exception.type': 'AbortError' })]), 'AbortError: aborted', 'a type alone borrows the status message');
});
