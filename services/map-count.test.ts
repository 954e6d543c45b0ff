import { describe, expect, it } from "vitest";
import { mapCountWarning, WANTED_MAP_COUNT } from "./map-count.ts";

describe("the memory-map limit check", () => {
  it("warns at the Linux default and says the command that raises it", () => {
    const warning = mapCountWarning("65530\n");
    expect(warning).toContain("vm.max_map_count is 65530");
    expect(warning).toContain(`sysctl -w vm.max_map_count=${WANTED_MAP_COUNT}`);
  });

  it("is quiet at or above what QuestDB wants, and where the kernel says nothing", () => {
    expect(mapCountWarning(`${WANTED_MAP_COUNT}\n`)).toBeUndefined();
    expect(mapCountWarning("2147483647")).toBeUndefined();
    expect(mapCountWarning(null)).toBeUndefined();
  });
});
