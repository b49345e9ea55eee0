// The keypad: before a call its keys dial into the callee field, during one they send DTMF (and show what
// was sent). From the keyboard, Enter in the callee field calls, and 0-9, * and # typed anywhere but in a
// field press the keys.

export interface KeypadActions {
  /** Sends a digit on the call in progress; false when there is none (the digit is dialled instead). */
  sendDigit(digit: string): boolean;
  /** Places an audio call to the callee field's number. */
  call(): void;
}

export function wireKeypad(callee: HTMLInputElement, sent: HTMLElement, actions: KeypadActions): void {
  for (const key of document.querySelectorAll<HTMLButtonElement>('[data-dtmf]')) {
    key.addEventListener('click', () => {
      const digit = key.dataset.dtmf ?? '';
      if (actions.sendDigit(digit)) sent.textContent = `${sent.textContent ?? ''}${digit}`.slice(-24);
      else callee.value += digit;
    });
  }
  callee.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    ev.preventDefault();
    actions.call();
  });
  document.addEventListener('keydown', (ev) => {
    const target = ev.target as HTMLElement | null;
    if (ev.ctrlKey || ev.metaKey || ev.altKey || target?.closest('input, select, textarea')) return;
    const key = document.querySelector<HTMLButtonElement>(`[data-dtmf="${CSS.escape(ev.key)}"]`);
    if (key) {
      ev.preventDefault();
      key.click();
    }
  });
}
