// A table's horizontal scroller for narrow screens. It takes keyboard focus and is named, so people who do not
// use a mouse can scroll it too.
import type { ComponentChildren } from "preact";

export function ScrollArea({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="scroll" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}
