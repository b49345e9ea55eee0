// Service numbers of the embedded registrar (issue 7): 600 echo, 601 tone.
export { ServiceError, type ServiceErrorCode } from './errors.js';
export { DIGIT_TONE_MS, type ServiceKind, TONE_HZ } from './service-call.js';
export { type ServiceNumbers, type ServiceNumbersOptions, startServiceNumbers } from './service-numbers.js';
