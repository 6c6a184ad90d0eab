// The evidence contract between collectors and checks (`@watchpost/shared/evidence`).
export * from './evidence.js';
export * from './redaction.js';
export * from './probes.js';
export * from './azure.js';
export * from './encryption-probes.js';
export * from './tls-endpoints.js';
export * from './host-config.js';
export * from './apiserver.js';
export * from './encryption-config.js';
export * from './yaml-module.js';
