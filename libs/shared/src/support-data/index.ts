// Kubernetes support data (`@watchpost/shared/support-data`): the shipped document, its schema, newest-wins.
export * from './kubernetes-support.js';
