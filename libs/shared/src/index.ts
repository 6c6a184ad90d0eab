// Everything shared, in one import. Processes that must stay small (the agent daemon) import the parts they use
// through the subpath entries instead (`@watchpost/shared/wire`, `/catalogue`, `/evidence`, `/report`,
// `/support-data`, `/pki`), so they never load what they do not use (node-forge with the PKI, for one).
export * from './catalogue/index.js';
export * from './evidence/index.js';
export * from './facts/facts.js';
export * from './report/index.js';
export * from './wire/index.js';
export * from './pki/index.js';
export * from './support-data/index.js';
