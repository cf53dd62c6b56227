export { main, usageText } from './main.js';
export { type Io } from './io.js';
export { type ExitCode, type Failure } from './failure.js';
export { chooseBackend, backendNames, type BackendChoice } from './backend.js';
