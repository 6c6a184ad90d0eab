/**
 * MQTT 5 PUBACK reason codes and what the outbox does with each. Final refusals end the row as `rejected`
 * (never retried forever); transient ones keep it in flight for the ack timeout to resend.
 */

/** What a PUBACK reason code means for the outbox row. */
export type PubackVerdict = 'accepted' | 'no-subscribers' | 'refused' | 'transient';

const NAMES: Record<number, string> = {
  0x00: 'success',
  0x10: 'no matching subscribers',
  0x80: 'unspecified error',
  0x83: 'implementation specific error',
  0x87: 'not authorised',
  0x90: 'topic name invalid',
  0x91: 'packet identifier in use',
  0x97: 'quota exceeded',
  0x99: 'payload format invalid',
};

/** `0x87 not authorised`. */
export function describeReasonCode(code: number): string {
  return `0x${code.toString(16).padStart(2, '0')} ${NAMES[code] ?? 'unknown reason'}`;
}

/** Classifies a PUBACK reason code. */
export function pubackVerdict(code: number): PubackVerdict {
  if (code === 0x00) return 'accepted';
  // The broker took it but nobody was subscribed: the hub is not (persistently) subscribed, so nobody will
  // ack; the ack timeout resends it once the hub is back.
  if (code === 0x10) return 'no-subscribers';
  // Retrying cannot succeed: the broker's ACL or the message itself is wrong.
  if (code === 0x87 || code === 0x90 || code === 0x99 || code === 0x95) return 'refused';
  return 'transient';
}
