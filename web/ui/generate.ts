// The Generate panel: length, temperature and a prime; asks the worker for text from the current model
// and appends the chunks it streams back (the prime first, highlighted).
import { CharrnnError } from '../../src/errors.js';
import { checkSampleOptions } from '../../src/sampling/sample.js';
import type { FromWorker, ToWorker } from '../protocol.js';
import { clearError, el, showError } from './dom.js';
import { probe } from './probe.js';

const MAX_LENGTH = 1_000_000;

const ui = {
  form: el<HTMLFormElement>('gen-form'),
  length: el<HTMLInputElement>('gen-length'),
  temperature: el<HTMLInputElement>('temperature'),
  prime: el<HTMLInputElement>('prime'),
  button: el<HTMLButtonElement>('generate'),
  text: el('gen-text'),
};

/** the id of the generation shown: chunks of an older one are dropped */
let genId = 0;
let genNode: Text | undefined;

function readNumber(input: HTMLInputElement, name: string): number {
  const s = input.value.trim();
  const v = s === '' ? Number.NaN : Number(s);
  if (!Number.isFinite(v))
    throw new CharrnnError(`${name} must be a number, got '${input.value}'`, '', 'usage');
  return v;
}

function start(send: (msg: ToWorker) => void): void {
  clearError();
  let length: number;
  let temperature: number;
  try {
    length = readNumber(ui.length, 'length');
    if (!(Number.isInteger(length) && length >= 1 && length <= MAX_LENGTH)) {
      throw new CharrnnError(`length must be an integer from 1 to ${MAX_LENGTH}, got ${length}`, '', 'usage');
    }
    temperature = readNumber(ui.temperature, 'temperature');
    checkSampleOptions({ temperature });
  } catch (e) {
    showError(e);
    return;
  }
  const prime = ui.prime.value;
  genId++;
  ui.text.replaceChildren();
  if (prime) {
    const span = document.createElement('span');
    span.className = 'prime';
    span.textContent = prime;
    ui.text.append(span);
  }
  genNode = document.createTextNode('');
  ui.text.append(genNode);
  probe.generating = true;
  probe.generated = 0;
  send({ type: 'generate', id: genId, length, temperature, prime });
}

/** Wires the panel's form to the worker. */
export function wireGenerate(send: (msg: ToWorker) => void): void {
  ui.form.addEventListener('submit', (e) => {
    e.preventDefault();
    start(send);
  });
}

export function setGenerateEnabled(enabled: boolean): void {
  ui.button.disabled = !enabled;
}

/** A chunk of generated text from the worker. */
export function receiveGenerated(msg: Extract<FromWorker, { type: 'gen' }>): void {
  if (msg.id !== genId) return;
  genNode?.appendData(msg.text);
  probe.generated += [...msg.text].length;
  if (msg.done) probe.generating = false;
}

/** A generation failed (e.g. a prime with unknown symbols): nothing generated, nothing shown. */
export function generationFailed(): void {
  probe.generating = false;
  if (probe.generated === 0) ui.text.replaceChildren();
}

/** No model any more: drop the output and any generation in flight. */
export function clearGenerated(): void {
  genId++;
  probe.generating = false;
  probe.generated = 0;
  ui.text.replaceChildren();
}
