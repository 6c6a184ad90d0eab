import { SHARED } from '@watchpost/shared';
export const NETPOL = SHARED + 1;
