// The status names shared by the server and the SDK, in a module of their own with no schema library: the
// SDK's public type declarations include it (dist/sdk/parley.d.ts must not need @sinclair/typebox).

/** The states of a session as the SDK reports them (the reference document's SESSION_STATUS). */
export const SESSION_STATUS = {
  PENDING: 'PENDING',
  CONNECTED: 'CONNECTED',
  ESTABLISHED: 'ESTABLISHED',
  REGISTERED: 'REGISTERED',
  UNREGISTERED: 'UNREGISTERED',
  DISCONNECTED: 'DISCONNECTED',
  FAILED: 'FAILED',
  INCOMING_CALL: 'INCOMING_CALL',
} as const;
export type SessionStatus = keyof typeof SESSION_STATUS;

/** The states of a call (the reference document's CALL_STATUS); see src/server/call/call-status.ts. */
export const CALL_STATUS = {
  NEW: 'NEW',
  PENDING: 'PENDING',
  TRYING: 'TRYING',
  RING: 'RING',
  RING_MEDIA: 'RING_MEDIA',
  SESSION_PROGRESS: 'SESSION_PROGRESS',
  BUSY: 'BUSY',
  ESTABLISHED: 'ESTABLISHED',
  HOLD: 'HOLD',
  FINISH: 'FINISH',
  FAILED: 'FAILED',
} as const;
export type CallStatus = keyof typeof CALL_STATUS;
