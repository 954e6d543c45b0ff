// No DOM here: the Node tests import this module, and the Node program must not see DOM types.

/**
 * A name or class that will still be there on the next deploy and says nothing about the visitor:
 * no digit runs (order numbers, ids), no hashes from CSS-in-JS or CSS modules, nothing with an `@`.
 */
export function stableName(name: string): boolean {
  return (
    /^[a-zA-Z][\w-]{0,39}$/.test(name) &&
    !/\d{2,}/.test(name) &&
    !/^(css|sc|jsx|emotion|svelte|ng|chakra)-/.test(name) &&
    !(name.match(/[a-f0-9]{6,}/gi) ?? []).some((run) => /\d/.test(run)) &&
    !/[-_](?=[a-zA-Z]*\d)[a-zA-Z0-9]{5,}$/.test(name)
  );
}
