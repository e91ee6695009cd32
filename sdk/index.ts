// dagy/sdk: author flows in TypeScript. See docs/sdk.md.
export type {
  AnyTask,
  CodeTask,
  FlowDefinition,
  FlowOptions,
  HttpRequest,
  HttpTask,
  HttpTaskOutput,
  InputsOf,
  OutputRef,
  TaskArgs,
  TaskContext,
  TaskSettings,
  Upstream,
} from './define';
export { flow, httpTask, isFlowDefinition, registeredTask, task } from './define';
