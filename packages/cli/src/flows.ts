import { type FlowBuilders, type Presets, withStandardized } from '@bijective/core';
import { presets as autoregressive } from '@bijective/autoregressive';
import { presets as coupling } from '@bijective/coupling';

/** Every flow the command can fit and load: the coupling and autoregressive presets, by name. */
export const presets: Presets = { ...autoregressive, ...coupling };

/** The builders `loadFlow` uses: the presets plus standardized wrappers around them. */
export const builders: FlowBuilders = withStandardized(presets);

/** The preset names, for help texts and errors. */
export const flowNames: readonly string[] = Object.keys(presets);
