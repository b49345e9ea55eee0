// Choice of microphone, camera and speaker, from the browser's device list. The chosen input devices
// become getUserMedia constraints; the speaker is applied with setSinkId where the browser has it.

type SinkElement = HTMLMediaElement & { setSinkId?: (id: string) => Promise<void> };

export class Devices {
  constructor(
    private readonly mic: HTMLSelectElement,
    private readonly camera: HTMLSelectElement,
    private readonly speaker: HTMLSelectElement,
  ) {
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void this.refresh());
  }

  async refresh(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const list = await navigator.mediaDevices.enumerateDevices();
    const fill = (select: HTMLSelectElement, kind: MediaDeviceKind, fallback: string) => {
      const keep = select.value;
      const options = list
        .filter((d) => d.kind === kind)
        .map((d, i) => new Option(d.label || `${fallback} ${i + 1}`, d.deviceId));
      select.replaceChildren(new Option('Default', ''), ...options);
      if (options.some((o) => o.value === keep)) select.value = keep;
    };
    fill(this.mic, 'audioinput', 'Microphone');
    fill(this.camera, 'videoinput', 'Camera');
    fill(this.speaker, 'audiooutput', 'Speaker');
    // Browsers without setSinkId cannot choose the speaker: say so rather than offer a dead control.
    this.speaker.disabled = !('setSinkId' in HTMLMediaElement.prototype);
  }

  constraints(video: boolean): MediaStreamConstraints {
    const audio: MediaTrackConstraints | boolean = this.mic.value ? { deviceId: { exact: this.mic.value } } : true;
    const cam: MediaTrackConstraints | boolean = this.camera.value ? { deviceId: { exact: this.camera.value } } : true;
    return { audio, video: video ? cam : false };
  }

  onInputChange(handler: () => void): void {
    this.mic.addEventListener('change', handler);
    this.camera.addEventListener('change', handler);
  }

  onSpeakerChange(handler: (deviceId: string) => void): void {
    this.speaker.addEventListener('change', () => handler(this.speaker.value));
  }

  routeOutput(elements: Iterable<Element>, deviceId: string): void {
    for (const el of elements) {
      const media = el as SinkElement;
      media.setSinkId?.(deviceId).catch((e: unknown) => console.warn('parley phone: cannot switch speaker', e));
    }
  }
}
