/** Types of the demo scenario (the implementation is plain JavaScript). */
import type { Worker } from '../worker/index.js';
import type { Stack } from './stack.js';

export interface StepResult {
  rows: string[][];
  notes: string[];
  /** What did not behave as expected; empty when the step passed. */
  failures: string[];
  ms: number;
}

export interface ScenarioContext extends Stack {
  worker: Worker;
  shortLived: { token: string; exp: number; freshStatuses: number[] };
  observed: Record<string, unknown>;
}

export interface Step {
  id: string;
  title: string;
  expected: string;
  run(ctx: ScenarioContext): Promise<Omit<StepResult, 'ms'>>;
}

export declare const steps: readonly Step[];
export declare function prepareScenario(stack: Stack): Promise<ScenarioContext>;
export declare function runScenario(
  ctx: ScenarioContext,
  hooks?: { onStep?: (step: Step, result: StepResult, index: number) => void },
): Promise<{ step: Step; result: StepResult }[]>;
