/** A few lines of DOM building instead of a framework: `h('button', { onclick }, 'Vote')`. */

export type Child = Node | string | number | null | undefined | false | Child[]

export interface Props {
  class?: string | Record<string, boolean>
  /** data-* attributes. */
  data?: Record<string, string | number>
  /** Other attributes (title, type, placeholder, aria-*, …); false or undefined leaves one out. */
  attrs?: Record<string, string | number | boolean | undefined>
  style?: Partial<CSSStyleDeclaration>
  value?: string
  checked?: boolean
  disabled?: boolean
  onclick?: (event: MouseEvent) => void
  onchange?: (event: Event) => void
  oninput?: (event: Event) => void
  onkeydown?: (event: KeyboardEvent) => void
  onsubmit?: (event: SubmitEvent) => void
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  if (props.class) el.className = typeof props.class === 'string' ? props.class : classNames(props.class)
  for (const [key, value] of Object.entries(props.data ?? {})) el.dataset[key] = String(value)
  for (const [key, value] of Object.entries(props.attrs ?? {})) {
    if (value === true) el.setAttribute(key, '')
    else if (value !== false && value !== undefined) el.setAttribute(key, String(value))
  }
  if (props.style) Object.assign(el.style, props.style)
  if (props.value !== undefined) (el as HTMLInputElement).value = props.value
  if (props.checked !== undefined) (el as HTMLInputElement).checked = props.checked
  if (props.disabled !== undefined) (el as HTMLButtonElement).disabled = props.disabled
  if (props.onclick) el.addEventListener('click', props.onclick as EventListener)
  if (props.onchange) el.addEventListener('change', props.onchange)
  if (props.oninput) el.addEventListener('input', props.oninput)
  if (props.onkeydown) el.addEventListener('keydown', props.onkeydown as EventListener)
  if (props.onsubmit) el.addEventListener('submit', props.onsubmit as EventListener)
  append(el, children)
  return el
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue
    if (Array.isArray(child)) append(parent, child)
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child)
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren()
  append(parent, children)
}

function classNames(map: Record<string, boolean>): string {
  return Object.entries(map)
    .filter(([, on]) => on)
    .map(([name]) => name)
    .join(' ')
}

/**
 * Sets an input's value unless the user is typing in it, so a live update never eats keystrokes.
 * Returns whether the value was written.
 */
export function setValueUnlessFocused(input: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, value: string): boolean {
  if (document.activeElement === input || input.value === value) return false
  input.value = value
  return true
}
