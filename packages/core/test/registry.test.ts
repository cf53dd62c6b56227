import { describe, it } from 'vitest';
import { registry } from '../src/testing/index.js';
import { checkEntry, registryCases } from '../src/testing/index.js';

describe('every core transform passes the shared checker (cpu)', () => {
  for (const c of registryCases(registry)) it(c.name, () => checkEntry(c.entry, c.shape));
});
