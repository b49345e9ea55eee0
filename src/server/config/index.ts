export { renderConfigDoc } from './config-doc.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { type ConfigSources, loadConfig, redactConfig } from './load-config.js';
export { type ParleyConfig, SETTINGS } from './settings.js';
