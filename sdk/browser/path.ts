// No DOM here: the Node tests import this module, and the Node program must not see DOM types.

/**
 * The page's path as we record it: the query is dropped (it can carry emails, order numbers, search
 * terms) except `utm_*` campaign tags, which are what a store owner compares pages by.
 */
export function pagePath(location: { pathname: string; search: string }): string {
  const kept: string[] = [];
  new URLSearchParams(location.search).forEach((value, key) => {
    if (/^utm_[a-z]{1,20}$/.test(key)) kept.push(`${key}=${encodeURIComponent(value.slice(0, 100))}`);
  });
  const path = location.pathname.slice(0, 400) || "/";
  return kept.length ? `${path}?${kept.join("&")}` : path;
}
