// Loads a TypeScript worker entry under tsx (tests and `npm start` run the sources; Node 20 workers do
// not inherit the parent's --import tsx). Compiled builds start the .js entry directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
