/**
 * Calls `changed` after the page's address changes without a page load: a single-page storefront
 * (Hydrogen, a headless theme) moves between pages with `history.pushState`/`replaceState`, and the
 * back button fires `popstate`. The page's own calls go through unchanged.
 */
export function onNavigation(changed: () => void): void {
  for (const name of ["pushState", "replaceState"] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History["pushState"]>) {
      const result = original.apply(this, args);
      changed();
      return result;
    };
  }
  addEventListener("popstate", changed);
}
