// A tiny element builder, so views read as markup without a framework or innerHTML.

type Listener = (event: Event) => void;
type AttrValue = string | number | boolean | null | undefined;
export type Props = { [key: string]: AttrValue | Listener };
export type Child = Node | string | null | undefined | false;

/**
 * `h('button', { type: 'button', testid: 'copy-work', onclick: fn }, 'Copy')`.
 * `testid` becomes `data-testid`; `on*` functions become listeners; `true` sets an empty
 * attribute, `false`/null/undefined leave it out; `value` and `checked` set properties.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (typeof value === 'function') {
      el.addEventListener(key.replace(/^on/, ''), value);
    } else if (key === 'value') {
      (el as HTMLInputElement).value = String(value ?? '');
    } else if (key === 'checked') {
      (el as HTMLInputElement).checked = value === true;
    } else if (value === true) {
      el.setAttribute(attrName(key), '');
    } else if (value !== false && value !== null && value !== undefined) {
      el.setAttribute(attrName(key), String(value));
    }
  }
  append(el, ...children);
  return el;
}

function attrName(key: string): string {
  return key === 'testid' ? 'data-testid' : key === 'className' ? 'class' : key;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}

/** Sets text only when it changed, so once-a-second ticks do not churn the DOM. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

let idCounter = 0;

/** A document-unique id for label/input pairs. */
export function uid(prefix: string): string {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
