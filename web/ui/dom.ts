// Small helpers every part of the page uses: an element by its id, number formatting, and the one-line
// alert at the top of the page (a CharrnnError's line, as the CLI prints it).
import { CharrnnError } from '../../src/errors.js';
import { probe } from './probe.js';

export function el<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}

/** whole numbers with thousands separators */
export const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

const alertBox = el('alert');

export function showError(e: unknown): void {
  const line = e instanceof CharrnnError ? e.line : e instanceof Error ? e.message : String(e);
  alertBox.textContent = line;
  alertBox.hidden = false;
  probe.errors++;
}

export function clearError(): void {
  alertBox.hidden = true;
  alertBox.textContent = '';
}
