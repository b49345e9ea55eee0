// sipp scenarios the harness ships, for tests that need a scripted SIP peer.

import { PCMA, PCMU, SIPP_BYE_ANSWERED, sippResponse, sippScenario, sippSdp } from './sipp-scenario-parts.js';

/**
 * REGISTER with digest authentication (RFC 3261 §22.4): the first REGISTER is challenged with 401, the
 * second carries [authentication] computed from -au/-ap and must get 200. Run it with
 * `service: user, auth: { user, password }` against a registrar's "host:port".
 */
export const REGISTER_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register with digest authentication">
  <send retrans="500">
    <![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:[service]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 60
Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:[service]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
[authentication]
Max-Forwards: 70
Expires: 60
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

/**
 * A call that sends DTMF by SIP INFO (application/dtmf-relay, the common non-standard form): INVITE
 * with a PCMU offer, ACK, INFO "Signal=[signal]" (key from -key signal X), BYE. For a UAS that
 * auto-answers, addressed directly (no registrar).
 */
export const INFO_DTMF_CALL_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call, DTMF by INFO, hang up">
  <send retrans="500">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <send retrans="500">
    <![CDATA[
INFO sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 INFO
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/dtmf-relay
Content-Length: [len]

Signal=[signal]
Duration=160
    ]]>
  </send>
  <recv response="200"/>
  <send retrans="500">
    <![CDATA[
BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 3 BYE
Contact: <sip:sipp@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

/**
 * A UAS that answers every INVITE at once with PCMU on sipp's media port and waits for the BYE. With sipp's
 * `-rtp_echo` the caller hears its own audio back.
 */
export const ANSWER_PCMU_UAS_SCENARIO = sippScenario(
  'answer with PCMU',
  `  <recv request="INVITE" crlf="true"/>
${sippResponse(200, 'OK', { dialog: true, sdp: sippSdp([PCMU]) })}  <recv request="ACK" crlf="true"/>
${SIPP_BYE_ANSWERED}`,
);

/**
 * A UAS for a codec change in mid-call (what a PBX does after a transfer): answers the INVITE with PCMU (and
 * telephone-event), then, once the caller sends an INFO (the test's trigger: DTMF by INFO), sends a re-INVITE
 * in the dialog offering only PCMA; the 200 OK's SDP must answer PCMA (`check_it`: the scenario fails
 * otherwise); ACK; then waits for the BYE. The caller's From/To/Contact are taken from its INVITE.
 */
export const REOFFER_PCMA_UAS_SCENARIO = sippScenario(
  'answer PCMU, then re-INVITE offering PCMA only',
  `  <recv request="INVITE" crlf="true">
    <action>
      <ereg regexp="sip[!-=?-}]*" search_in="hdr" header="Contact: " assign_to="peer_contact"/>
      <ereg regexp=".*" search_in="hdr" header="From: " assign_to="peer_from"/>
      <ereg regexp=".*" search_in="hdr" header="To: " assign_to="own_to"/>
    </action>
  </recv>
${sippResponse(200, 'OK', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true }) })}  <recv request="ACK" crlf="true"/>
  <recv request="INFO"/>
${sippResponse(200, 'OK')}  <send retrans="500">
    <![CDATA[
INVITE [$peer_contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$own_to];tag=[pid]SIPpTag01[call_number]
To: [$peer_from]
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=sipp 1 2 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-16
a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="200">
    <action>
      <ereg regexp="m=audio [0-9]+ RTP/AVP 8 101" search_in="body" check_it="true" assign_to="pcma_answer"/>
      <log message="re-INVITE answered: [$pcma_answer]"/>
    </action>
  </recv>
  <send>
    <![CDATA[
ACK [$peer_contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: [$own_to];tag=[pid]SIPpTag01[call_number]
To: [$peer_from]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
${SIPP_BYE_ANSWERED}`,
);

/**
 * Early media then the phone (an announcement, then the callee): a 183 Session Progress with SDP answering
 * PCMA (unreliable: no 100rel), and 2 s later the 200 OK whose SDP answers PCMU on the same address. The
 * browser, answered PCMA from the 183, must be moved to PCMU for the audio of the call (run with -rtp_echo).
 */
export const EARLY_PCMA_THEN_PCMU_UAS_SCENARIO = sippScenario(
  '183 with PCMA, then 200 OK with PCMU',
  `  <recv request="INVITE" crlf="true"/>
${sippResponse(183, 'Session Progress', { dialog: true, sdp: sippSdp([PCMA], { dtmf: true }) })}  <pause milliseconds="2000"/>
${sippResponse(200, 'OK', { dialog: true, sdp: sippSdp([PCMU], { dtmf: true, version: 2 }) })}  <recv request="ACK" crlf="true"/>
${SIPP_BYE_ANSWERED}`,
);
