/** The Calico and Kubernetes NetworkPolicy engine. */
export * from './model/cidr.js';
export * from './model/endpoint.js';
export * from './model/policy.js';
export * from './selector/selector.tokenizer.js';
export * from './selector/selector.parser.js';
export * from './selector/selector.js';
export * from './engine/policy.engine.js';
