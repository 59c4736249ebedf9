// While a component instantiates, jco's JSPI probes (`WebAssembly.promising`)
// must fail as they do on a node without JSPI, cheaply, and leave no trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withPreparedJspiProbe } from '../src/run.js';

const wasm = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;
const nativeJspi = 'promising' in wasm;
const probe = (): unknown => (wasm.promising as (f: () => void) => unknown)(() => undefined);

void test('during instantiation the probe throws a TypeError; afterwards WebAssembly is as it was', { skip: nativeJspi ? 'this node has JSPI' : false }, async () => {
  assert.throws(probe, TypeError, 'without JSPI, calling the probe is a TypeError');
  const seen = await withPreparedJspiProbe(() => {
    assert.throws(probe, { name: 'TypeError', message: /WebAssembly\.promising is not available/ });
    return Promise.resolve('instance');
  });
  assert.equal(seen, 'instance');
  assert.equal('promising' in wasm, false);
});

void test('overlapping instantiations keep the prepared probe until the last ends, and a failure removes it', { skip: nativeJspi ? 'this node has JSPI' : false }, async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = withPreparedJspiProbe(async () => {
    await held;
    assert.throws(probe, /not available/, 'still prepared while the first instantiation waits');
  });
  await assert.rejects(
    withPreparedJspiProbe(() => Promise.reject(new Error('trap in start'))),
    /trap in start/,
  );
  assert.equal('promising' in wasm, true, 'the first instantiation is still running');
  release();
  await first;
  assert.equal('promising' in wasm, false);
});
