// The Parley Phone page: a softphone built only on the SDK's public API (issue 6).
// It keeps a list of calls (call waiting): the "current" call is the one the in-call controls act on.
import { CALL_STATUS, type Call, createSession, SESSION_STATUS, type Session } from '../sdk/index.js';
import {
  checkAccount,
  clearMarks,
  formFieldFor,
  markField,
  readAccount,
  restoreAccount,
  saveAccount,
  watchFields,
} from './account-form.js';
import {
  connectionText,
  describe,
  failureText,
  isAnswered,
  isLive,
  peerName,
  showsVideo,
  TRANSFER_EVENTS,
  transferText,
} from './call-text.js';
import { offerDemoAccounts } from './demo-accounts.js';
import { Devices } from './devices.js';
import { wireKeypad } from './keypad.js';
import { CallTimer, LevelMeter, Ringer } from './media-widgets.js';
import { clearQuality, showQuality } from './quality.js';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el as T;
};

const ui = {
  connectionStatus: $('connectionStatus'),
  connectionInfo: $('connectionInfo'),
  connectBtn: $<HTMLButtonElement>('connectBtn'),
  callee: $<HTMLInputElement>('callee'),
  callBtn: $<HTMLButtonElement>('callBtn'),
  videoCallBtn: $<HTMLButtonElement>('videoCallBtn'),
  hangupBtn: $<HTMLButtonElement>('hangupBtn'),
  incomingPanel: $('incomingPanel'),
  incomingCaller: $('incomingCaller'),
  callStatus: $('callStatus'),
  callInfo: $('callInfo'),
  callList: $('callList'),
  holdBtn: $<HTMLButtonElement>('holdBtn'),
  muteAudioBtn: $<HTMLButtonElement>('muteAudioBtn'),
  muteVideoBtn: $<HTMLButtonElement>('muteVideoBtn'),
  transferTarget: $<HTMLInputElement>('transferTarget'),
  transferReplaces: $<HTMLSelectElement>('transferReplaces'),
  transferBtn: $<HTMLButtonElement>('transferBtn'),
  dtmfType: $<HTMLSelectElement>('dtmfType'),
  volume: $<HTMLInputElement>('volume'),
  localVideo: $<HTMLVideoElement>('localVideo'),
  accountFields: $('accountFields'),
  accountSummary: $('accountSummary'),
  callPeer: $('callPeer'),
  callNote: $('callNote'),
  videos: $('videos'),
  transferStatus: $('transferStatus'),
  remoteVideo: $<HTMLVideoElement>('remoteVideo'),
};

const ringer = new Ringer();
const timer = new CallTimer($('callTimer'));
const localMeter = new LevelMeter($<HTMLMeterElement>('localLevel'));
const remoteMeter = new LevelMeter($<HTMLMeterElement>('remoteLevel'));
const devices = new Devices(
  $<HTMLSelectElement>('micSelect'),
  $<HTMLSelectElement>('cameraSelect'),
  $<HTMLSelectElement>('speakerSelect'),
);

let session: Session | undefined;
const calls: Call[] = [];
let current: Call | undefined;
let incoming: Call | undefined;
let qualityTimer: ReturnType<typeof setInterval> | undefined;
/** Calls answered or placed with the camera on: told when the other side takes audio only. */
const wantedVideo = new WeakSet<Call>();

function setConnection(status: string, info = ''): void {
  ui.connectionStatus.textContent = status;
  ui.connectionStatus.dataset.state = status;
  const { sipLogin, sipDomain } = readAccount();
  ui.connectionInfo.textContent = connectionText(status, info, `${sipLogin}@${sipDomain}`);
  ui.connectionInfo.classList.toggle('error', status === SESSION_STATUS.FAILED);
  const ready = status === SESSION_STATUS.REGISTERED || status === SESSION_STATUS.ESTABLISHED;
  ui.callBtn.disabled = !ready;
  ui.videoCallBtn.disabled = !ready;
  const open = session !== undefined && status !== SESSION_STATUS.DISCONNECTED && status !== SESSION_STATUS.FAILED;
  ui.connectBtn.textContent = open ? 'Disconnect' : 'Connect';
  ui.connectBtn.classList.toggle('primary', !open);
  // While a session is open its account cannot change: the form folds to one line (and the keypad comes
  // into view on a phone).
  ui.accountFields.hidden = open;
  ui.accountSummary.hidden = !open;
  ui.accountSummary.textContent = open ? `${sipLogin}@${sipDomain}` : '';
}

/** Plays `stream` in a media element unless it already does. */
function show(el: HTMLMediaElement, stream: MediaStream | null): void {
  if (el.srcObject === stream) return;
  el.srcObject = stream;
  if (stream) el.play().catch((e: unknown) => console.warn('parley phone: media element did not start playing', e));
}

/**
 * The video box and the audio-only note, which follow the remote tracks as well as the status. With call
 * waiting the SDK has put the latest call's streams into the page's one pair of elements: they must always
 * play the current call (the other calls are on hold), so they are set here.
 */
function renderMedia(): void {
  const c = current;
  const playing = c && isLive(c) ? c : undefined;
  show(ui.remoteVideo, playing?.getRemoteMediaStream() ?? null);
  const local = playing?.getLocalMediaStream();
  show(ui.localVideo, local && local.getVideoTracks().length > 0 ? local : null);
  ui.videos.hidden = !(c && isLive(c) && showsVideo(c));
  const answered = c !== undefined && isAnswered(c);
  // The camera button follows the video too: a remote video track can arrive after ESTABLISHED.
  ui.muteVideoBtn.disabled = !answered || !c || !showsVideo(c);
  note(
    c && answered && wantedVideo.has(c) && !showsVideo(c)
      ? 'Audio only: the other side has no video, so your camera is not sent.'
      : '',
  );
}

function render(): void {
  const c = current;
  ui.callStatus.textContent = c ? c.status() : '';
  ui.callStatus.dataset.state = c ? c.status() : '';
  document.body.classList.toggle('in-call', calls.some(isLive));
  ui.callPeer.textContent = c ? peerName(c) : 'No call';
  // Video only where the call has it: an audio call shows no empty black box.
  renderMedia();
  const currentLive = c !== undefined && isLive(c);
  ui.hangupBtn.disabled = !currentLive;
  const inCall = c !== undefined && isAnswered(c);
  ui.holdBtn.disabled = !inCall;
  ui.holdBtn.textContent = c?.status() === CALL_STATUS.HOLD ? 'Unhold' : 'Hold';
  ui.muteAudioBtn.disabled = !inCall;
  ui.transferBtn.disabled = !inCall;
  // Attended transfer: any other live call can be the target.
  const others = calls.filter((o) => o !== c && isAnswered(o));
  const picked = ui.transferReplaces.value;
  ui.transferReplaces.replaceChildren(new Option('blind', ''), ...others.map((o) => new Option(describe(o), o.id())));
  if (others.some((o) => o.id() === picked)) ui.transferReplaces.value = picked;
  // The list is for call waiting: with one call the status line says it all.
  const live = calls.filter(isLive);
  ui.callList.hidden = live.length < 2;
  ui.callList.replaceChildren(
    ...live.map((o) => {
      const li = document.createElement('li');
      if (o === c) li.setAttribute('aria-current', 'true');
      const who = document.createElement('span');
      who.textContent = describe(o);
      const pick = document.createElement('button');
      pick.type = 'button';
      // Only an answered call can be switched to; a ringing one is answered from the incoming panel.
      const answered = isAnswered(o);
      pick.textContent = o === c ? 'current' : answered ? 'switch' : 'ringing';
      pick.disabled = o === c || !answered;
      pick.setAttribute('aria-label', `Switch to call with ${describe(o)}`);
      pick.addEventListener('click', () => switchTo(o));
      li.append(who, pick);
      return li;
    }),
  );
}

async function switchTo(next: Call): Promise<void> {
  const prev = current;
  if (prev && prev !== next && prev.status() === CALL_STATUS.ESTABLISHED) await prev.hold();
  current = next;
  if (next.status() === CALL_STATUS.HOLD) await next.unhold();
  render();
}

function track(call: Call): Call {
  calls.push(call);
  const onStatus = () => {
    if (call === incoming && call.status() !== CALL_STATUS.NEW && call.status() !== CALL_STATUS.PENDING) hideIncoming();
    if (call === current) {
      if (call.status() === CALL_STATUS.ESTABLISHED) {
        // Device names and ids are only given once the page may use them: list them again now.
        devices.refresh().catch((e: unknown) => console.warn('parley phone: listing devices failed', e));
        timer.start();
        startQuality(call);
        localMeter.attach(call.getLocalMediaStream?.());
        remoteMeter.attach(call.getRemoteMediaStream?.());
      }
      if (!isLive(call)) {
        ui.callInfo.textContent = failureText(call);
        endCurrent(call);
      }
    }
    render();
  };
  for (const s of Object.values(CALL_STATUS)) call.on(s, onStatus);
  // Transfer progress (RFC 3515 NOTIFY), in words beside the transfer controls.
  for (const ev of TRANSFER_EVENTS) {
    call.on(ev, (_c, info) => {
      ui.transferStatus.textContent = transferText(ev, peerName(call), info);
    });
  }
  return call;
}

function note(text: string): void {
  ui.callNote.textContent = text;
  ui.callNote.hidden = text === '';
}

function endCurrent(call: Call): void {
  timer.stop();
  stopQuality();
  clearQuality();
  note('');
  localMeter.detach();
  remoteMeter.detach();
  const next = calls.find((o) => o !== call && isLive(o));
  if (next) current = next;
}

function startQuality(call: Call): void {
  stopQuality();
  const tick = () => {
    renderMedia(); // remote tracks may arrive after ESTABLISHED: the video box follows them
    call
      .getStats()
      .then(showQuality)
      .catch((e: unknown) => console.warn('parley phone: getStats failed', e));
  };
  tick();
  qualityTimer = setInterval(tick, 1000);
}

function stopQuality(): void {
  if (qualityTimer) clearInterval(qualityTimer);
  qualityTimer = undefined;
}

function hideIncoming(): void {
  incoming = undefined;
  ui.incomingPanel.hidden = true;
  document.title = 'Parley Phone';
  ringer.stop();
}

function connect(): void {
  clearMarks();
  // Nothing is sent while a field is marked: the status stays DISCONNECTED, never PENDING.
  if (!checkAccount()) {
    setConnection(SESSION_STATUS.DISCONNECTED, 'Fix the marked field to connect.');
    return;
  }
  const v = readAccount();
  try {
    session = createSession({
      urlServer: v.urlServer,
      sipOptions: {
        login: v.sipLogin,
        authenticationName: v.sipAuthenticationName || undefined,
        password: v.sipPassword,
        domain: v.sipDomain,
        outboundProxy: v.sipOutboundProxy || undefined,
        port: v.sipPort ? Number(v.sipPort) : undefined,
        transport: v.sipTransport as 'udp' | 'tcp' | 'tls',
        registerRequired: v.sipRegisterRequired,
      },
    });
  } catch (e) {
    const err = e as { field?: string; message?: string };
    session = undefined;
    markField(formFieldFor(err.field), err.message ?? String(e));
    setConnection(SESSION_STATUS.DISCONNECTED, err.message ?? String(e));
    return;
  }
  saveAccount(v);
  const s = session;
  for (const status of Object.values(SESSION_STATUS)) {
    if (status === SESSION_STATUS.INCOMING_CALL) continue;
    s.on(status, (info?: { sipStatus?: number; sipReason?: string; reason?: string }) => {
      if (s !== session) return;
      const why = [info?.sipStatus, info?.sipReason ?? info?.reason]
        .filter((x) => x !== undefined && x !== '')
        .join(' ');
      setConnection(status, why);
      if (status === SESSION_STATUS.DISCONNECTED || status === SESSION_STATUS.FAILED) session = undefined;
    });
  }
  s.on(SESSION_STATUS.INCOMING_CALL, (call: Call) => {
    track(call);
    incoming = call;
    ui.incomingCaller.textContent = peerName(call);
    // Call waiting: say what answering does to the call in progress.
    const busyWith = current && current !== call && isAnswered(current) ? current : undefined;
    $('incomingHint').textContent = busyWith ? `Answering puts ${peerName(busyWith)} on hold.` : '';
    ui.incomingPanel.hidden = false;
    document.title = `Incoming call: ${peerName(call)} – Parley Phone`; // seen on a background tab
    ringer.start();
    render();
  });
  setConnection(SESSION_STATUS.PENDING);
}

async function startCall(video: boolean): Promise<void> {
  clearMarks();
  if (!session) return;
  const callee = ui.callee.value.trim();
  if (!callee) {
    markField('callee', 'Enter a number or SIP address to call.');
    return;
  }
  const prev = current;
  let call: Call;
  try {
    call = session.createCall({
      callee,
      visibleName: readAccount().sipLogin,
      localVideoDisplay: ui.localVideo,
      remoteVideoDisplay: ui.remoteVideo,
      constraints: devices.constraints(video),
      receiveAudio: true,
      receiveVideo: video,
    });
  } catch (e) {
    const err = e as { field?: string; message?: string };
    markField(formFieldFor(err.field) ?? 'callee', err.message ?? String(e));
    return;
  }
  if (prev && prev.status() === CALL_STATUS.ESTABLISHED) await prev.hold();
  current = track(call);
  if (video) wantedVideo.add(call);
  ui.callInfo.textContent = '';
  ui.transferStatus.textContent = '';
  $('dtmfSent').textContent = '';
  timer.reset();
  render();
  call.call();
}

async function answer(video: boolean): Promise<void> {
  const call = incoming;
  if (!call) return;
  hideIncoming();
  // Call waiting: the call in progress goes on hold before the new one is answered.
  const prev = current;
  if (prev && prev !== call && prev.status() === CALL_STATUS.ESTABLISHED) await prev.hold();
  current = call;
  timer.reset();
  $('dtmfSent').textContent = '';
  if (video) wantedVideo.add(call);
  call.answer({
    localVideoDisplay: ui.localVideo,
    remoteVideoDisplay: ui.remoteVideo,
    constraints: devices.constraints(video),
    receiveAudio: true,
    receiveVideo: video,
  });
  render();
}

ui.connectBtn.closest('form')?.addEventListener('submit', (ev) => {
  ev.preventDefault();
  if (session) {
    for (const c of calls.filter(isLive)) c.hangup();
    session.disconnect();
    return;
  }
  connect();
});
ui.callBtn.addEventListener('click', () => void startCall(false));
ui.videoCallBtn.addEventListener('click', () => void startCall(true));
ui.hangupBtn.addEventListener('click', () => current?.hangup());
$('answerBtn').addEventListener('click', () => void answer(false));
$('answerVideoBtn').addEventListener('click', () => void answer(true));
$('declineBtn').addEventListener('click', () => {
  const call = incoming;
  hideIncoming();
  call?.hangup();
});
ui.holdBtn.addEventListener('click', () => {
  const c = current;
  if (!c) return;
  void (c.status() === CALL_STATUS.HOLD ? c.unhold() : c.hold());
});
ui.muteAudioBtn.addEventListener('click', () => {
  const muted = ui.muteAudioBtn.getAttribute('aria-pressed') !== 'true';
  if (muted) current?.muteAudio();
  else current?.unmuteAudio();
  ui.muteAudioBtn.setAttribute('aria-pressed', String(muted));
  ui.muteAudioBtn.textContent = muted ? 'Unmute microphone' : 'Mute microphone';
});
ui.muteVideoBtn.addEventListener('click', () => {
  const muted = ui.muteVideoBtn.getAttribute('aria-pressed') !== 'true';
  if (muted) current?.muteVideo();
  else current?.unmuteVideo();
  ui.muteVideoBtn.setAttribute('aria-pressed', String(muted));
  ui.muteVideoBtn.textContent = muted ? 'Unmute camera' : 'Mute camera';
});
ui.transferBtn.addEventListener('click', () => {
  const c = current;
  if (!c) return;
  const other = calls.find((o) => o.id() === ui.transferReplaces.value);
  const target = other ?? ui.transferTarget.value.trim();
  if (!target) {
    markField('transferTarget', 'Enter a number to transfer to, or pick a call.');
    return;
  }
  const to = typeof target === 'string' ? target : peerName(target);
  ui.transferStatus.textContent = `Transferring ${peerName(c)} to ${to}…`;
  const failed = (e: unknown) => {
    ui.transferStatus.textContent = `Transfer to ${to} refused: ${e instanceof Error ? e.message : String(e)}`;
  };
  try {
    c.transfer(target).catch(failed);
  } catch (e) {
    markField('transferTarget', e instanceof Error ? e.message : String(e));
    ui.transferStatus.textContent = '';
  }
});
wireKeypad(ui.callee, $('dtmfSent'), {
  sendDigit: (digit) => {
    const c = current;
    if (!c || c.status() !== CALL_STATUS.ESTABLISHED) return false;
    c.sendDTMF(digit, ui.dtmfType.value as 'RFC2833' | 'INFO').catch((e: unknown) => {
      ui.callInfo.textContent = `DTMF ${digit} not sent: ${e instanceof Error ? e.message : String(e)}`;
    });
    return true;
  },
  call: () => {
    if (!ui.callBtn.disabled) void startCall(false);
  },
});
ui.volume.addEventListener('input', () => {
  ui.remoteVideo.volume = Number(ui.volume.value);
  for (const el of document.querySelectorAll<HTMLMediaElement>('audio')) el.volume = Number(ui.volume.value);
});
devices.onSpeakerChange((id) => devices.routeOutput([ui.remoteVideo, ...document.querySelectorAll('audio')], id));
devices.onInputChange(() => {
  const c = current;
  if (!c || !isLive(c)) return;
  c.switchDevices(devices.constraints(showsVideo(c)))
    .then(() => localMeter.attach(c.getLocalMediaStream())) // the meter follows the new microphone
    .catch((e: unknown) => {
      ui.callInfo.textContent = `Could not switch devices: ${e instanceof Error ? e.message : String(e)}`;
    });
});

restoreAccount(new URL('/ws', location.href).href.replace(/^http/, 'ws'));
watchFields();
void offerDemoAccounts($('demoAccounts'), () => clearMarks());
setConnection(SESSION_STATUS.DISCONNECTED);
void devices.refresh();
render();
