// The REST view of calls and sessions: what `/call/find`, `/call/find_all` and `/connection/find_all` answer.
import type { Call } from '../call/call.js';
import type { Session } from '../session/session.js';
import type { CallView, ConnectionView } from './schemas.js';

export type CallOrigin = CallView['origin'];

/** A call with the session it belongs to. */
export interface LocatedCall {
  call: Call;
  session: Session;
  origin: CallOrigin;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export async function callView({ call, session, origin }: LocatedCall): Promise<CallView> {
  let audioCodec: string | null = null;
  let videoCodec: string | null = null;
  const media = call.media;
  if (media && !call.ended) {
    try {
      const stats = await media.stats();
      audioCodec = stats.audioCodec ?? null;
      videoCodec = stats.videoCodec ?? null;
    } catch (e) {
      // The call may end (and its media close) between the check and the stats: the codecs are then unknown.
      call.log.debug({ callId: call.id, err: e }, 'media stats unavailable for the REST view');
    }
  }
  return {
    callId: call.id,
    sessionId: session.id,
    origin,
    incoming: call.incoming,
    caller: call.caller,
    callee: call.callee,
    visibleName: call.visibleName,
    status: call.status,
    sipStatus: call.sipStatus ?? null,
    sipReason: call.sipReason ?? null,
    hasAudio: call.hasAudio,
    hasVideo: call.hasVideo,
    audioCodec,
    videoCodec,
    startedAt: iso(call.startedAt),
    establishedAt: call.establishedAt === undefined ? null : iso(call.establishedAt),
  };
}

export function connectionView(session: Session): ConnectionView {
  return {
    sessionId: session.id,
    status: session.status,
    login: session.login,
    createdAt: iso(session.createdAt),
    callIds: [...session.calls.keys()],
  };
}
