// Wires one server per test file into node:test.
//
// A server that cannot start makes every test of the file FAIL with the reason (a failing
// before() hook would only mark them cancelled, which a summary can hide).

import { after, before, beforeEach } from 'node:test';
import { startServer } from './server.mjs';
import { connect } from './okta.mjs';

/**
 * @param {{ env?: Record<string,string> }} options passed to startServer
 * @param {(server: Awaited<ReturnType<typeof startServer>>, sdk: ReturnType<typeof connect>) => void} onReady
 */
export function useServer(options, onReady) {
  let server;
  let failure;
  before(async () => {
    try {
      server = await startServer(options);
      onReady(server, connect(server));
    } catch (error) {
      failure = error;
    }
  });
  beforeEach(() => {
    if (failure) throw failure;
  });
  after(async () => {
    await server?.stop();
  });
}

/** Memoises an async fixture; every caller sees the same result or the same error. */
export function once(fn) {
  let promise;
  return () => (promise ??= fn());
}
