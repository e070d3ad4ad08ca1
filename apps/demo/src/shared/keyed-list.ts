/**
 * Keeps a container's children in step with a list of items, one element per key: new items get a
 * new element, gone ones are removed, and the rest are updated in place (an input being typed in
 * keeps its focus and caret). Elements move only when the order actually changed.
 */
export interface ItemView<T> {
  readonly el: HTMLElement
  update(item: T): void
}

export class KeyedList<T> {
  private readonly views = new Map<string, ItemView<T>>()

  constructor(
    private readonly container: HTMLElement,
    private readonly keyOf: (item: T) => string,
    private readonly create: (item: T) => ItemView<T>,
  ) {}

  render(items: readonly T[]): void {
    const seen = new Set<string>()
    const ordered: HTMLElement[] = []
    for (const item of items) {
      const key = this.keyOf(item)
      seen.add(key)
      let view = this.views.get(key)
      if (!view) {
        view = this.create(item)
        this.views.set(key, view)
      }
      view.update(item)
      ordered.push(view.el)
    }
    for (const [key, view] of this.views) {
      if (!seen.has(key)) {
        view.el.remove()
        this.views.delete(key)
      }
    }
    const current = Array.from(this.container.children)
    const same = current.length === ordered.length && ordered.every((el, i) => current[i] === el)
    if (!same) {
      ordered.forEach((el, i) => {
        if (this.container.children[i] !== el) this.container.insertBefore(el, this.container.children[i] ?? null)
      })
    }
  }
}
