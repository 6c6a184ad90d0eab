import { NETPOL } from '@watchpost/netpol';
import { SHARED } from '@watchpost/shared';
console.log(NETPOL, SHARED);
