import { describe, expect, it } from 'vitest';
import { tf } from '../src/index.js';
import { leakProblems, leakSnapshot } from '../src/testing/leaks.js';

// The leak clause of the fused-kernel conformance checks (checkFusedMlp, checkFusedFieldTrace).
describe('leakProblems', () => {
  it('reports nothing when everything made since the snapshot is gone', async () => {
    await tf.setBackend('cpu');
    const before = leakSnapshot();
    tf.tidy(() => {
      tf.add(tf.ones([3]), 1);
    });
    expect(leakProblems('case', before)).toEqual([]);
  });

  it('reports a tensor the engine still tracks, and a buffer only the backend holds', async () => {
    await tf.setBackend('cpu');
    const before = leakSnapshot();
    const kept = tf.ones([3]);
    expect(leakProblems('case', before)).toEqual([
      'case: 1 tensors leaked',
      'case: 1 backend buffers leaked',
    ]);
    kept.dispose();
    // A kernel temporary written straight to the backend, never given to the engine.
    const id = tf.backend().write(new Float32Array(3), [3], 'float32');
    expect(leakProblems('case', before)).toEqual(['case: 1 backend buffers leaked']);
    tf.backend().disposeData(id);
    expect(leakProblems('case', before)).toEqual([]);
  });
});
