/**
 * Messages between the page and the training worker. Everything is
 * structured-cloneable; point sets are row-major `Float32Array`s (`n × 2`).
 */
import type { FlowManifest } from '@bijective/core';
import type { FlowSettings } from './flows.js';

/** The tensor backends the page can ask for. */
export const BACKENDS = ['wasm', 'cpu', 'webgl'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** A model in the library's own format: `saveFlow`'s manifest and its `weights.bin` bytes. */
export interface SavedModel {
  readonly manifest: FlowManifest;
  readonly weights: ArrayBuffer;
}

/** Knobs that can change between any two steps. */
export interface LiveOptions {
  readonly learningRate: number;
  readonly batchSize: number;
  /** Stop after this many steps in total (0: never). */
  readonly maxSteps: number;
  /** Compute the layers view with every redraw. */
  readonly layers: boolean;
}

/** Page → worker. */
export type ToWorker =
  | { readonly type: 'backend'; readonly backend: BackendName; readonly wasmPaths: string }
  | {
      readonly type: 'setup';
      readonly settings: FlowSettings;
      readonly data: Float32Array;
      readonly seed: number;
      readonly model?: SavedModel;
    }
  | { readonly type: 'options'; readonly options: LiveOptions }
  | { readonly type: 'run' }
  | { readonly type: 'pause' }
  | { readonly type: 'stop' }
  | { readonly type: 'query'; readonly id: number; readonly x: number; readonly y: number }
  | { readonly type: 'save' }
  | { readonly type: 'refresh' };

/** What the training loop is doing. */
export type RunState = 'idle' | 'running' | 'paused' | 'stopped' | 'finished' | 'diverged';

/** One point of the learning curves. */
export interface CurvePoint {
  readonly step: number;
  readonly train: number;
  readonly val: number;
}

/** Worker → page. */
export type FromWorker =
  | {
      readonly type: 'backend';
      readonly ok: boolean;
      readonly backend: BackendName;
      readonly details: Readonly<Record<string, string | number | boolean>>;
      readonly error?: string;
    }
  | {
      readonly type: 'ready';
      readonly settings: FlowSettings;
      readonly parameters: number;
      /** Set when a model file was loaded. */
      readonly loaded: boolean;
    }
  | {
      readonly type: 'progress';
      readonly state: RunState;
      readonly step: number;
      /** Wall-clock steps per second over the last second, views included. */
      readonly stepsPerSecond: number;
      /** Steps per second counting only the time spent in training steps. */
      readonly stepOnlyPerSecond: number;
      readonly loss: number;
      readonly message?: string;
    }
  | {
      readonly type: 'view';
      readonly step: number;
      readonly gridSize: number;
      /** `log p` on a `gridSize × gridSize` grid over `[-BOUND, BOUND]²`, row 0 at the top (y = BOUND). */
      readonly grid: Float32Array;
      readonly samples: Float32Array;
      readonly curve: CurvePoint;
      readonly bestVal: number;
      readonly layers?: readonly { readonly label: string; readonly points: Float32Array }[];
    }
  | {
      readonly type: 'logp';
      readonly id: number;
      readonly x: number;
      readonly y: number;
      readonly value: number;
    }
  | { readonly type: 'saved'; readonly model: SavedModel }
  | { readonly type: 'error'; readonly message: string };
