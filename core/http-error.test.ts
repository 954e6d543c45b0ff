import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { HttpErrorBody, jsonError } from "./http-error.ts";

/** The one error shape: its code and message, and whatever details a route adds beside them. */
describe("jsonError", () => {
  const app = new Hono()
    .get("/field", (c) => jsonError(c, 400, "invalid_beacon", "site: required", "site"))
    .get("/details", (c) => jsonError(c, 502, "connect_failed", "webhooks: refused", { step: "webhooks" }))
    .get("/plain", (c) => jsonError(c, 404, "not_connected", "woocommerce store x is not connected"));

  it("answers the status with {error:{code,message}} and the details beside them", async () => {
    const answers = await Promise.all(
      ["/field", "/details", "/plain"].map(async (path) => {
        const response = await app.request(path);
        return {
          status: response.status,
          type: response.headers.get("content-type"),
          body: await response.json(),
        };
      }),
    );
    expect(answers).toEqual([
      {
        status: 400,
        type: "application/json",
        body: { error: { code: "invalid_beacon", message: "site: required", field: "site" } },
      },
      {
        status: 502,
        type: "application/json",
        body: { error: { code: "connect_failed", message: "webhooks: refused", step: "webhooks" } },
      },
      {
        status: 404,
        type: "application/json",
        body: { error: { code: "not_connected", message: "woocommerce store x is not connected" } },
      },
    ]);
    for (const answer of answers) expect(HttpErrorBody.safeParse(answer.body).success).toBe(true);
  });

  it('the schema refuses the old `{error: "text"}`, a missing code and anything beside `error`', () => {
    for (const body of [
      { error: "payload too large" },
      { error: { message: "no code" } },
      { error: { code: "Not Found", message: "a code is snake_case" } },
      { error: { code: "x", message: "" } },
      { error: { code: "x", message: "y" }, step: "outside" },
    ])
      expect(HttpErrorBody.safeParse(body).success, JSON.stringify(body)).toBe(false);
  });
});
