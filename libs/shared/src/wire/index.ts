// The wire contract (`@watchpost/shared/wire`): envelope and ack schemas, topics, ACL, size limits.
export * from './envelope.js';
export * from './acl.js';
export * from './limits.js';
