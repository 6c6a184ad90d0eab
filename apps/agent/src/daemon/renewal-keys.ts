// The key and CSR makers of a renewal, behind a module of their own so that `renewal.ts` can import them when a
// renewal is due: they bring node-forge, which the daemon otherwise never needs.
export { createCsr, createKeyPair } from '@watchpost/shared/pki';
