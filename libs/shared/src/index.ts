export * from './catalogue/index.js';
export * from './evidence/evidence.js';
export * from './evidence/redaction.js';
export * from './report/report.js';
export * from './report/sarif.js';
export * from './wire/envelope.js';
export * from './wire/acl.js';
export * from './pki/index.js';
